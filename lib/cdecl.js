'use strict';
// C declarations as strings (koffi-style prototypes and header blocks).
//
// The addon parses the text with a real C parser (lang-c, src/cdecl.rs) and
// returns a JSON description; this module maps it to ref types and binds
// functions with ffi.ForeignFunction / ffi.VariadicForeignFunction, so a
// prototype gives exactly the signature the equivalent type-array spec
// gives. Types declared by ffi.cdef() are kept in a process-wide registry
// ('struct point', 'point_t', 'enum color', ...) that later prototypes and
// cdef() calls use. See docs/cdecl.md.

const native = require('./internal/native');
const ref = require('./ref');
const ffi = require('./ffi');
const { makeError, describe } = require('./internal/errors');
const { lower } = require('./internal/lower');

const T = ref.types;
const POINTER = ref.refType(T.void);

const PRIMS = {
  void: T.void, bool: T.bool, char: T.char, schar: T.int8, uchar: T.uchar,
  short: T.short, ushort: T.ushort, int: T.int, uint: T.uint,
  long: T.long, ulong: T.ulong, longlong: T.longlong, ulonglong: T.ulonglong,
  float: T.float, double: T.double,
};

// ---- registry -------------------------------------------------------------------
// Entries: {type} a complete type; {alias: 'struct x'} a typedef of a tag;
// {fnType, def} a function typedef; {type, elem} an array typedef;
// {opaque: true} a type usable only through pointers; tags:
// {type, complete, def} (type null while only forward-declared).

const registry = new Map();
const constants = new Map();
const builtinNames = new Set();
let namesCache = null;
const typeStringCache = new Map();

function builtin(name, type) {
  registry.set(name, type === null ? { opaque: true } : { type });
  builtinNames.add(name);
}

{
  const is64 = ref.sizeof.pointer === 8;
  const win = process.platform === 'win32';
  for (const bits of [8, 16, 32, 64]) {
    builtin('int' + bits + '_t', T['int' + bits]);
    builtin('uint' + bits + '_t', T['uint' + bits]);
  }
  builtin('bool', T.bool);
  builtin('size_t', T.size_t);
  builtin('ssize_t', T.ssize_t);
  builtin('intptr_t', T.ssize_t);
  builtin('uintptr_t', T.size_t);
  builtin('ptrdiff_t', T.ssize_t);
  builtin('off_t', is64 && !win ? T.int64 : T.int32);
  builtin('intmax_t', T.int64);
  builtin('uintmax_t', T.uint64);
  builtin('wchar_t', win ? T.uint16 : T.int32);
  builtin('char16_t', T.uint16);
  builtin('char32_t', T.uint32);
  builtin('FILE', null);
}

function typeNames() {
  if (namesCache === null) {
    namesCache = [...registry.keys()].filter((k) => /^[A-Za-z_]\w*$/.test(k)).join(' ');
  }
  return namesCache;
}

function constantList() {
  const out = [];
  for (const [k, v] of constants) out.push(k + '=' + v);
  return out.join(' ');
}

// ---- parsing ----------------------------------------------------------------------

function cerror(code, message, line, column) {
  const e = makeError(code, message);
  if (line !== undefined) {
    e.line = line;
    e.column = column;
  }
  return e;
}

function parse(source, mode, extraNames) {
  if (typeof source !== 'string') {
    throw makeError('ERR_REFFI_ARG_TYPE', 'expected C declarations as a string, got ' + describe(source));
  }
  let names = typeNames();
  if (extraNames) names += ' ' + extraNames;
  const out = JSON.parse(native.cdeclParse(source, names, constantList(), mode));
  if (out.error) throw cerror(out.error.code, out.error.message, out.error.line, out.error.column);
  return out;
}

function at(d) {
  return d && d.at ? ' (line ' + d.at[0] + ', column ' + d.at[1] + ')' : '';
}

function canon(d) {
  return JSON.stringify(d, (k, v) => (k === 'id' || k === 'at' ? undefined : v));
}

// ---- description → ref types ------------------------------------------------------

/** One resolution pass: registrations are staged and committed on success. */
class Context {
  constructor() {
    this.staged = new Map();
    this.stagedConsts = new Map();
    this.ids = new Map();
    this.declared = [];
  }

  lookup(key) {
    return this.staged.has(key) ? this.staged.get(key) : registry.get(key);
  }

  define(key, entry) {
    this.mention(key);
    this.staged.set(key, entry);
  }

  /** Records that this block declares `key` (listed in cdef's `types`). */
  mention(key) {
    if (!this.declared.includes(key)) this.declared.push(key);
  }

  commit() {
    for (const [k, v] of this.staged) registry.set(k, v);
    for (const [k, v] of this.stagedConsts) constants.set(k, v);
    if (this.staged.size) namesCache = null;
    typeStringCache.clear();
  }

  /** Follows typedef aliases; returns the final entry (or undefined). */
  entry(name) {
    let e = this.lookup(name);
    for (let i = 0; e && e.alias && i < 64; i++) e = this.lookup(e.alias);
    return e;
  }

  /** A type used by value (`where` names the position for errors). */
  value(d, where) {
    switch (d.k) {
      case 'prim': return PRIMS[d.n];
      case 'name': {
        const e = this.entry(d.n);
        if (!e) throw cerror('ERR_REFFI_UNKNOWN_TYPE', 'unknown type name \'' + d.n + '\'' + at(d));
        if (e.fnType) {
          if (where === 'param') return e.fnType;
          throw cerror('ERR_REFFI_CDECL_UNSUPPORTED', 'a ' + where + ' of function type \'' + d.n + '\' (use a pointer)' + at(d));
        }
        if (e.elem && where === 'param') return ref.refType(e.elem);
        if (!e.type) {
          throw cerror('ERR_REFFI_UNKNOWN_TYPE', 'type \'' + d.n + '\' is incomplete (declared but not defined); ' +
            'it can only be used through a pointer' + at(d));
        }
        return e.type;
      }
      case 'ptr': return this.pointer(d.to);
      case 'array': {
        if (d.n === null || d.n === 0) {
          throw cerror('ERR_REFFI_CDECL_UNSUPPORTED', (d.n === 0 ? 'zero-length arrays' : 'arrays without a length') +
            ' cannot be used by value');
        }
        const ArrayType = require('./array');
        return ArrayType(this.value(d.of, 'array element'), d.n);
      }
      case 'fn':
        throw cerror('ERR_REFFI_CDECL_UNSUPPORTED', 'a ' + where + ' of function type (use a function pointer)');
      case 'struct': case 'union': {
        const t = this.record(d);
        if (!t || !this.lookupComplete(d, t)) {
          throw cerror('ERR_REFFI_UNKNOWN_TYPE', d.k + ' ' + (d.tag || '(anonymous)') +
            ' is incomplete (declared but not defined); it can only be used through a pointer' + at(d));
        }
        return t;
      }
      case 'enum': return this.enumType(d);
      default: throw makeError('ERR_REFFI_INTERNAL', 'unknown C type description ' + describe(d.k));
    }
  }

  lookupComplete(d, t) {
    if (!d.tag) return true;
    const e = this.lookup(d.k + ' ' + d.tag);
    return !e || e.type !== t || e.complete;
  }

  /** The type of a pointer to `to`. */
  pointer(to) {
    if (to.k === 'prim' && to.n === 'char') return T.CString;
    if (to.k === 'prim' && to.n === 'void') return POINTER;
    if (to.k === 'fn') return this.functionType(to);
    const target = this.target(to);
    return target ? ref.refType(target) : POINTER;
  }

  /** The pointee type, or null when it is incomplete (→ void *). */
  target(d) {
    switch (d.k) {
      case 'name': {
        const e = this.entry(d.n);
        if (!e) throw cerror('ERR_REFFI_UNKNOWN_TYPE', 'unknown type name \'' + d.n + '\'' + at(d));
        if (e.fnType) return e.fnType;
        return e.type || null;
      }
      case 'struct': case 'union': return this.record(d);
      case 'enum': return d.items ? this.enumType(d) : (this.entry('enum ' + d.tag) || {}).type || null;
      case 'array': {
        if (d.n === null) return this.target(d.of);
        return this.value(d, 'pointee');
      }
      default: return this.value(d, 'pointee');
    }
  }

  functionType(fn) {
    if (fn.variadic) return POINTER; // C cannot call back into a variadic JS function
    const ret = this.value(fn.ret, 'return type');
    const args = fn.params.map((p) => this.value(p.type, 'param'));
    return ffi.Function(ret, args);
  }

  /** A struct or union: defines it (fields present) or finds it by tag.
   *  Returns the type (possibly still being defined) or null. */
  record(d) {
    if (this.ids.has(d.id)) return this.ids.get(d.id);
    const key = d.tag ? d.k + ' ' + d.tag : null;
    if (!d.fields) {
      const e = this.lookup(key);
      if (e) return e.type;
      this.define(key, { type: null, complete: false });
      return null;
    }
    const def = canon(d);
    const existing = key && this.lookup(key);
    if (existing && existing.type) {
      if (existing.def === def) {
        this.ids.set(d.id, existing.type);
        this.mention(key);
        return existing.type;
      }
      throw cerror('ERR_REFFI_CDECL_REDEFINITION', d.k + ' ' + d.tag + ' is already defined with other members' + at(d));
    }
    const Factory = d.k === 'union' ? require('./union') : require('./struct');
    const type = Factory();
    const entry = { type, complete: false, def };
    this.ids.set(d.id, type);
    if (key) this.define(key, entry);
    for (const f of d.fields) {
      type.defineProperty(f.name, this.value(f.type, 'member'));
    }
    entry.complete = true;
    return type;
  }

  enumType(d) {
    if (this.ids.has(d.id)) return this.ids.get(d.id);
    const key = d.tag ? 'enum ' + d.tag : null;
    if (!d.items) {
      const e = this.lookup(key);
      if (e && e.type) return e.type;
      throw cerror('ERR_REFFI_UNKNOWN_TYPE', 'enum ' + d.tag + ' is not defined' + at(d));
    }
    const def = canon(d);
    const existing = key && this.lookup(key);
    if (existing && existing.type) {
      if (existing.def !== def) {
        throw cerror('ERR_REFFI_CDECL_REDEFINITION', 'enum ' + d.tag + ' is already defined with other values' + at(d));
      }
      this.ids.set(d.id, existing.type);
      this.mention(key);
      for (const [name, v] of d.items) this.stagedConsts.set(name, typeof v === 'string' ? v : Number(v));
      return existing.type;
    }
    let min = 0n, max = 0n;
    for (const [name, v] of d.items) {
      const b = BigInt(v);
      if (b < min) min = b;
      if (b > max) max = b;
      const value = typeof v === 'string' ? v : Number(v);
      const old = this.stagedConsts.has(name) ? this.stagedConsts.get(name) : constants.get(name);
      if (old !== undefined && String(old) !== String(value)) {
        throw cerror('ERR_REFFI_CDECL_REDEFINITION', 'enum constant ' + name + ' is already defined as ' + old + at(d));
      }
      this.stagedConsts.set(name, value);
    }
    // GCC's choice of the underlying type.
    let base;
    if (min < 0n) base = min >= -(2n ** 31n) && max < 2n ** 31n ? T.int32 : T.int64;
    else base = max < 2n ** 32n ? T.uint32 : T.uint64;
    const type = Object.create(base);
    type.name = key || 'enum';
    this.ids.set(d.id, type);
    if (key) this.define(key, { type, complete: true, def });
    return type;
  }

  typedef(d) {
    const t = d.type;
    const def = canon(t);
    let entry;
    if ((t.k === 'struct' || t.k === 'union' || t.k === 'enum') && t.tag) {
      if (t.k === 'enum') this.enumType(t);
      else this.record(t);
      entry = { alias: t.k + ' ' + t.tag };
    } else if (t.k === 'name') {
      if (!this.lookup(t.n)) throw cerror('ERR_REFFI_UNKNOWN_TYPE', 'unknown type name \'' + t.n + '\'' + at(t));
      entry = { alias: t.n };
    } else if (t.k === 'fn') {
      entry = { fnType: this.functionType(t) };
    } else if (t.k === 'array' && t.n !== null) {
      entry = { type: this.value(t, 'typedef'), elem: this.value(t.of, 'array element') };
    } else {
      entry = { type: t.k === 'array' ? this.pointer(t.of) : this.target(t) };
      if (!entry.type) entry = { opaque: true };
    }
    entry.def = def;
    const old = this.lookup(d.name);
    if (old) {
      if (old.def === def || sameEntry(old, entry, this)) { // a repeated typedef: keep the first
        this.mention(d.name);
        return old;
      }
      if (!(builtinNames.has(d.name) && old.opaque && !this.staged.has(d.name))) {
        throw cerror('ERR_REFFI_CDECL_REDEFINITION', 'typedef ' + d.name + ' is already defined as another type' + at(t));
      }
    }
    this.define(d.name, entry);
    return entry;
  }

  func(d) {
    const fn = d.type;
    const result = this.value(fn.ret, 'return type');
    const parameters = fn.params.map((p, i) => {
      try {
        return { name: p.name, type: this.value(p.type, 'param') };
      } catch (e) {
        e.message = 'parameter ' + (p.name || i) + ' of ' + d.name + ': ' + e.message;
        throw e;
      }
    });
    return {
      name: d.name,
      symbol: d.symbol || d.name,
      result,
      arguments: parameters.map((p) => p.type),
      parameters,
      variadic: fn.variadic,
    };
  }
}

/** Whether two typedef entries name the same type (for repeated typedefs). */
function sameEntry(a, b, cx) {
  const fa = a.alias ? cx.entry(a.alias) : a;
  const fb = b.alias ? cx.entry(b.alias) : b;
  if (fa === fb) return true;
  if (!fa || !fb || fa.fnType || fb.fnType) return false;
  if (fa.opaque && fb.opaque) return true;
  return Boolean(fa.type && fb.type && sameType(fa.type, fb.type));
}

const SCALAR_KINDS = new Set(['v', 'b', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64', 's']);

/** Same type, or built-in scalars of the same kind (`unsigned long` and `size_t` on LP64). */
function sameType(a, b) {
  if (a === b) return true;
  if (a.indirection !== b.indirection) return false;
  if (a.indirection > 1) return sameType(ref.derefType(a), ref.derefType(b));
  const la = lower(a), lb = lower(b);
  return la.kind === lb.kind && SCALAR_KINDS.has(la.kind) && la.desc === lb.desc;
}

// ---- binding ----------------------------------------------------------------------

function varargType(t, fname, i) {
  if (typeof t === 'string') return typeFromString(t);
  if (ref._internal.isType(t)) return t;
  throw makeError('ERR_REFFI_ARG_TYPE', fname + ': variadic argument ' + i +
    ' must be preceded by its type (a C type name or a ref type), got ' + describe(t));
}

/** A variadic function called with (type, value) pairs after the fixed arguments. */
function variadicFunction(ptr, info, name) {
  const gen = ffi.VariadicForeignFunction(ptr, info.result, info.arguments);
  const nfixed = info.arguments.length;
  const fn = function () {
    const n = arguments.length;
    if (n < nfixed || (n - nfixed) % 2 !== 0) {
      throw makeError('ERR_REFFI_ARG_COUNT', name + ': expected ' + nfixed +
        ' fixed argument(s) followed by (type, value) pairs, got ' + n + ' argument(s)');
    }
    const types = [];
    const values = new Array(nfixed);
    for (let i = 0; i < nfixed; i++) values[i] = arguments[i];
    for (let i = nfixed; i < n; i += 2) {
      const t = varargType(arguments[i], name, (i - nfixed) / 2);
      if (t.indirection === 1 && t.size === 0) {
        throw makeError('ERR_REFFI_ARG_TYPE', name + ': a variadic argument cannot have type void');
      }
      types.push(t);
      values.push(arguments[i + 1]);
    }
    return gen.apply(null, types).apply(null, values);
  };
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

function bindInfo(dl, info, symbol) {
  const ptr = dl.get(symbol);
  if (info.variadic) return variadicFunction(ptr, info, symbol);
  return ffi.ForeignFunction(ptr, info.result, info.arguments);
}

/** Parses one prototype into its function info (types resolved, nothing registered). */
function prototypeInfo(source) {
  const out = parse(source, 'proto');
  const funcs = out.decls.filter((d) => d.d === 'func');
  if (funcs.length !== 1 || out.decls.length !== 1) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'expected one function prototype such as "int atoi(const char *s)", got ' +
      describe(source) + (funcs.length > 1 ? ' (' + funcs.length + ' functions)' : ''));
  }
  return new Context().func(funcs[0]);
}

/**
 * Binds a prototype string from DynamicLibrary `dl`. `key` (a Library spec
 * key) names the symbol; without it the prototype's own name does.
 */
function bindPrototype(dl, source, key) {
  const info = prototypeInfo(source);
  return bindInfo(dl, info, key !== undefined ? key : info.symbol);
}

/** The `func` method of Library objects: func(prototype) or func(name, result, [args]). */
function libraryFunc(dl) {
  return function func(source, result, args) {
    if (arguments.length >= 2) {
      if (typeof source !== 'string') {
        throw makeError('ERR_REFFI_ARG_TYPE', 'func(name, result, args): name must be a string, got ' + describe(source));
      }
      if (!Array.isArray(args)) {
        throw makeError('ERR_REFFI_ARG_TYPE', 'func(name, result, args): args must be an array, got ' + describe(args));
      }
      const info = { result: toType(result), arguments: args.map(toType), variadic: false };
      return bindInfo(dl, info, source);
    }
    return bindPrototype(dl, source);
  };
}

function toType(t) {
  return typeof t === 'string' ? typeFromString(t) : ref.coerceType(t);
}

/**
 * A type from a C type name ('unsigned long', 'const char *', 'struct point',
 * 'int (*)(int)'), a registered name, or a ref type name ('string', 'int32').
 */
function typeFromString(s) {
  let t = typeStringCache.get(s);
  if (t) return t;
  const e = registry.get(s);
  if (e && e.type && (e.complete === undefined || e.complete)) {
    t = e.type;
  } else if (/^\w+$/.test(s) && !e) {
    try { t = ref.coerceType(s); } catch (_) { t = undefined; }
  }
  if (!t) {
    const out = parse(s, 'type');
    const cx = new Context();
    t = cx.value(out.type, 'type');
    cx.commit();
  }
  typeStringCache.set(s, t);
  return t;
}

// ---- cdef ---------------------------------------------------------------------------

function libraryOf(lib) {
  if (lib instanceof ffi.DynamicLibrary) return lib;
  if (lib === null || typeof lib === 'string') return ffi.Library(lib)._dl;
  if (lib && typeof lib === 'object' && lib._dl instanceof ffi.DynamicLibrary) return lib._dl;
  throw makeError('ERR_REFFI_ARG_TYPE', 'cdef: the library must be a Library object, a DynamicLibrary, a path or null, got ' +
    describe(lib));
}

/**
 * Declares the structs, unions, enums, typedefs and prototypes of a block of
 * (preprocessed) C declarations. With `lib`, the prototypes are bound too.
 * @returns {{types: object, constants: object, functions: object}}
 */
function cdef(source, lib, options) {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'cdef: options must be an object, got ' + describe(options));
  }
  const lenient = Boolean(options && options.skipUnsupported);
  const dl = lib === undefined ? null : libraryOf(lib);
  const out = parse(source, lenient ? 'decls-lenient' : 'decls');
  const skipped = out.skipped;
  // With skipUnsupported, a declaration reffi cannot map is listed in
  // `skipped` instead of failing the block.
  const attempt = (fn, d) => {
    try {
      return fn();
    } catch (e) {
      if (d.at && e.line === undefined) {
        e.line = d.at[0];
        e.column = d.at[1];
      }
      if (!lenient || !SKIPPABLE.has(e.code)) throw e;
      skipped.push({ code: e.code, message: e.message, line: e.line, column: e.column });
      return undefined;
    }
  };
  const cx = new Context();
  const funcs = [];
  for (const d of out.decls) {
    switch (d.d) {
      case 'typedef': attempt(() => cx.typedef(d), d); break;
      case 'tag':
        if (d.type.k === 'enum') {
          if (d.type.items) attempt(() => cx.enumType(d.type), d.type);
        } else {
          attempt(() => cx.record(d.type), d.type);
        }
        break;
      case 'func': funcs.push(d); break;
      default: break; // variables are not bound (see docs/cdecl.md)
    }
  }
  // Prototypes are resolved after every type of the block is known, so a
  // `struct x *` declared before `struct x {...}` still points to it.
  const infos = funcs.map((d) => attempt(() => cx.func(d), d)).filter(Boolean);
  const types = {};
  for (const key of cx.declared) {
    const e = cx.entry(key);
    if (e && (e.type || e.fnType)) types[key] = e.fnType || e.type;
  }
  const consts = {};
  for (const [k, v] of cx.stagedConsts) consts[k] = v;
  cx.commit();
  const functions = {};
  for (const info of infos) {
    const f = dl ? attempt(() => bindInfo(dl, info, info.symbol), {}) : info;
    if (f) functions[info.name] = f;
  }
  const result = { types, constants: consts, functions };
  if (lenient) result.skipped = skipped;
  return result;
}

const SKIPPABLE = new Set(['ERR_REFFI_CDECL_UNSUPPORTED', 'ERR_REFFI_UNKNOWN_TYPE', 'ERR_REFFI_SYMBOL_NOT_FOUND']);

module.exports = { cdef, bindPrototype, libraryFunc, prototypeInfo, typeFromString };
