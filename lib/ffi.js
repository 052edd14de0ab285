'use strict';
// reffi/ffi — drop-in for ffi-napi: Library, DynamicLibrary,
// ForeignFunction, VariadicForeignFunction, Callback, Function, errno.

const fs = require('fs');
const path = require('path');
const native = require('./internal/native');
const ref = require('./ref');
const { makeError, describe, isRevokedProxy, guardRevoked, revokedProxyError } = require('./internal/errors');
const { lower, kFunctionType } = require('./internal/lower');
const codegen = require('./internal/codegen');

const { kAddr, pointerBuffer, typedPointerBuffer, pointerConverter, toBigInt64, fromBigInt64, checkInt, POINTER_SIZE } = ref._internal;
const kLib = Symbol('reffi.library');
const kCallback = Symbol('reffi.callback');
const kPlan = Symbol('reffi.plan');

const LIB_EXT = { linux: '.so', darwin: '.dylib', win32: '.dll' }[process.platform] || '.so';

const FLAGS = {
  RTLD_LAZY: 0x1, RTLD_NOW: 0x2, RTLD_LOCAL: 0x0, RTLD_GLOBAL: 0x100,
  RTLD_NOLOAD: 0x4, RTLD_NODELETE: 0x1000, RTLD_DEEPBIND: 0x8,
};

const FFI_DEFAULT_ABI = 2; // FFI_UNIX64 on x86-64 System V

// ---- DynamicLibrary -----------------------------------------------------------

const LIB_DIRS = [
  '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu',
  '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib',
];

/** Versioned files `<name>.<digits>…` present in `dir`, shortest first. */
function versionedIn(dir, base) {
  let names;
  try { names = fs.readdirSync(dir); } catch (_) { return []; }
  return names.filter((n) => n.startsWith(base + '.') && /^[0-9]/.test(n.slice(base.length + 1)))
    .sort((a, b) => a.length - b.length || (a < b ? -1 : 1))
    .map((n) => path.join(dir, n));
}

function versionedCandidates(p) {
  // Debian runtime packages ship only versioned names (libsqlite3.so.0):
  // when "libfoo.so" is not found, try the versioned files that exist.
  if (process.platform !== 'linux' || !p.endsWith('.so')) return [];
  const base = path.basename(p);
  if (p.includes('/')) return versionedIn(path.dirname(p), base);
  const out = [];
  const dirs = (process.env.LD_LIBRARY_PATH || '').split(':').filter(Boolean).concat(LIB_DIRS);
  for (const d of dirs) for (const f of versionedIn(d, base)) if (!out.includes(f)) out.push(f);
  // Names the loader may know from its cache (ld.so.cache) only.
  for (let v = 0; v <= 9; v++) out.push(p + '.' + v);
  return out;
}

/**
 * On some systems "libfoo.so" is a linker script (text: GROUP ( ... ) or
 * INPUT ( ... )) naming the real shared object. From the loader's
 * "invalid ELF header" message, returns the first file it names.
 */
function linkerScriptTarget(message) {
  const m = /^(\/[^\s:()]+\.so[^\s:()]*): (invalid ELF header|file too short)/.exec(message);
  if (!m) return null;
  let text;
  try { text = fs.readFileSync(m[1], 'latin1'); } catch (_) { return null; }
  const g = /(?:GROUP|INPUT)\s*\(\s*([^\s()]+)/.exec(text);
  return g && g[1] !== m[1] ? g[1] : null;
}

function DynamicLibrary(libPath, mode) {
  if (!(this instanceof DynamicLibrary)) return new DynamicLibrary(libPath, mode);
  if (libPath !== null && libPath !== undefined && typeof libPath !== 'string') {
    throw makeError('ERR_REFFI_ARG_TYPE', 'DynamicLibrary: path must be a string or null, got ' + describe(libPath));
  }
  mode = mode === undefined || mode === null ? FLAGS.RTLD_LAZY : mode;
  if (!Number.isInteger(mode) || mode < 0) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'DynamicLibrary: mode must be a combination of DynamicLibrary.FLAGS, got ' + describe(mode));
  }
  this._path = libPath == null ? null : libPath;
  this._loadedPath = this._path;
  this._error = null;
  const failures = [];
  const attempt = (p) => {
    try {
      this._id = native.dlopen(p, mode);
      this._loadedPath = p;
      return true;
    } catch (e) {
      failures.push({ path: p, message: e.message.replace(/^ERR_REFFI_\w+: /, '') });
      return false;
    }
  };
  if (!attempt(this._path)) {
    const script = this._path !== null && linkerScriptTarget(failures[0].message);
    const ok = this._path !== null && ((script && attempt(script)) || versionedCandidates(this._path).some(attempt));
    if (!ok) {
      const first = failures[0];
      // The loader's message for the name as given, then every other path
      // tried (with its message when it failed for another reason than
      // not being there).
      const others = failures.slice(1).map((f) =>
        (/cannot open shared object file: No such file or directory/.test(f.message) ? f.path : f.path + ' (' + f.message + ')'));
      this._error = first.message;
      throw makeError('ERR_REFFI_LIBRARY_NOT_FOUND',
        'Dynamic Linking Error: could not load ' + JSON.stringify(libPath === undefined ? null : libPath) + ': ' + first.message +
        (others.length ? '\nAlso tried: ' + others.join(', ') : ''));
    }
  }
  this._closed = false;
}

DynamicLibrary.FLAGS = FLAGS;

DynamicLibrary.prototype.get = function get(symbol) {
  if (typeof symbol !== 'string') {
    throw makeError('ERR_REFFI_ARG_TYPE', 'DynamicLibrary.get: symbol must be a string, got ' + describe(symbol));
  }
  if (this._closed) {
    throw makeError('ERR_REFFI_LIBRARY_CLOSED',
      'cannot look up "' + symbol + '": library ' + (this._loadedPath === null ? 'of the current process' : this._loadedPath) + ' is closed');
  }
  let addr;
  try {
    addr = native.dlsym(this._id, symbol);
  } catch (e) {
    this._error = e.message.replace(/^ERR_REFFI_\w+: /, '');
    if (e.code === 'ERR_REFFI_SYMBOL_NOT_FOUND') {
      throw makeError(e.code, 'Dynamic Symbol Retrieval Error: ' + this._error);
    }
    throw e;
  }
  if (addr === 0) {
    this._error = 'symbol "' + symbol + '" has the address NULL';
    throw makeError('ERR_REFFI_SYMBOL_NOT_FOUND', 'Dynamic Symbol Retrieval Error: ' + this._error);
  }
  const ptr = pointerBuffer(addr, 0);
  ptr.name = symbol;
  ptr[kLib] = this;
  return ptr;
};

DynamicLibrary.prototype.close = function close() {
  if (!this._closed) {
    this._closed = true;
    // The engine frees the plans of this library's functions now (their
    // ids get a new generation: calls through the functions throw
    // ERR_REFFI_LIBRARY_CLOSED), so their FinalizationRegistry entries go
    // too: a program opening and closing libraries in a loop would
    // otherwise pile up one entry per function until it yields to the
    // event loop (issue #6).
    planRegistry.unregister(this);
    native.dlclose(this._id);
  }
  return 0;
};
/** The path given to the constructor (ffi-napi); the file actually loaded is `_loadedPath`. */
DynamicLibrary.prototype.path = function () { return this._path; };
/** The last loader error message for this library, or null. */
DynamicLibrary.prototype.error = function () { return this._error; };
if (Symbol.dispose) DynamicLibrary.prototype[Symbol.dispose] = DynamicLibrary.prototype.close;

// ---- ForeignFunction ------------------------------------------------------------

const planRegistry = new FinalizationRegistry((id) => {
  try { native.freePlan(id); } catch (_) { /* environment shutting down */ }
});

function lowerNamed(type, fname, what) {
  try {
    return lower(type);
  } catch (e) {
    const err = makeError(e.code === 'ERR_REFFI_UNKNOWN_TYPE' ? 'ERR_REFFI_UNKNOWN_TYPE' : (e.code || 'ERR_REFFI_INVALID_TYPE'),
      what + ' of "' + fname + '": ' + e.message);
    throw err;
  }
}

function buildFunction(ptr, retType, argTypes, opts) {
  return guardRevoked(opts.name || 'ForeignFunction', () => bindFunction(ptr, retType, argTypes, opts));
}

function bindFunction(ptr, retType, argTypes, opts) {
  const name = opts.name || (ptr && ptr.name) || 'ForeignFunction';
  if (!(ptr instanceof Uint8Array)) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'ForeignFunction: expected a function pointer Buffer for "' + name + '", got ' + describe(ptr));
  }
  const addr = ref.address(ptr);
  if (addr === 0) throw makeError('ERR_REFFI_NULL_POINTER', 'ForeignFunction: the pointer for "' + name + '" is NULL');
  if (!Array.isArray(argTypes)) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'the argument types of "' + name + '" must be an array, got ' + describe(argTypes));
  }
  const ret = lowerNamed(retType, name, 'the return type');
  const args = argTypes.map((t, i) => {
    const l = lowerNamed(t, name, 'argument ' + i);
    if (l.kind === 'v') throw makeError('ERR_REFFI_INVALID_TYPE', 'argument ' + i + ' of "' + name + '" cannot be void');
    return l;
  });
  const lib = ptr[kLib];
  if (lib && lib._closed) {
    // The symbol's library was closed (and maybe unmapped) after the
    // pointer was looked up: a plan without its library would call freed code.
    throw makeError('ERR_REFFI_LIBRARY_CLOSED', 'cannot bind "' + name + '": its library ' +
      (lib._loadedPath === null ? 'of the current process' : lib._loadedPath) + ' was closed');
  }
  const retLen = ret.kind === 'p' ? (ret.type.indirection === 2 ? ret.type.size : POINTER_SIZE) : 0;
  const retDeref = ret.kind === 'p' ? ref.derefType(ret.type) : null;
  const [id, fast] = native.prepare(addr, ret.desc, args.map((a) => a.desc).join(' '),
    opts.fixed === undefined ? -1 : opts.fixed, lib ? lib._id : -1, retLen, name);
  const fnArgs = args.map((a) => (a.kind === 'fn' ? fnArgFor(a.type) : null));
  const slots = fast ? codegen.registerSlots(args) : args.map((_, i) => i);
  const [fn, asyncFn] = codegen.generate({ name, id, ret, args, slots, retLen, retDeref, fnArgs });
  // The library is the unregister token: closing it drops the entries.
  if (lib) planRegistry.register(fn, id, lib);
  else planRegistry.register(fn, id);
  Object.defineProperty(fn, 'async', { value: asyncFn, enumerable: false, configurable: true, writable: true });
  Object.defineProperty(asyncFn, kPlan, { value: fn });
  Object.defineProperty(fn, kPlan, { value: id });
  return fn;
}

function fnArgFor(ftype) {
  return function (name, i, v) { return ftype[kFunctionType](name, i, v); };
}

function ForeignFunction(ptr, retType, argTypes, abi) {
  return buildFunction(ptr, retType, argTypes, { abi });
}

// Default argument promotions for variadic arguments.
function promote(t) {
  const l = lower(t);
  switch (l.kind) {
    case 'f32': return ref.types.double;
    case 'i8': case 'i16': case 'b': return ref.types.int32;
    case 'u8': case 'u16': return ref.types.int32;
    default: return l.type;
  }
}

const typeIds = new WeakMap();
let nextTypeId = 1;
function typeId(t) {
  let id = typeIds.get(t);
  if (id === undefined) { id = nextTypeId++; typeIds.set(t, id); }
  return id;
}

function VariadicForeignFunction(ptr, returnType, fixedArgTypes, abi) {
  return guardRevoked('VariadicForeignFunction', () => bindVariadic(ptr, returnType, fixedArgTypes, abi));
}

function bindVariadic(ptr, returnType, fixedArgTypes, abi) {
  const name = (ptr && ptr.name) || 'VariadicForeignFunction';
  if (!(ptr instanceof Uint8Array)) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'VariadicForeignFunction: expected a function pointer Buffer for "' + name + '", got ' + describe(ptr));
  }
  if (!Array.isArray(fixedArgTypes)) {
    throw makeError('ERR_REFFI_ARG_TYPE',
      'VariadicForeignFunction: the fixed argument types of "' + name + '" must be an array, got ' + describe(fixedArgTypes));
  }
  // Check every type now, so a bad spec fails at Library() time.
  lowerNamed(returnType, name, 'the return type');
  const fixed = fixedArgTypes.map((t, i) => lowerNamed(t, name, 'argument ' + i).type);
  const cache = new Map();
  function variadic_function_generator() {
    const varTypes = Array.prototype.map.call(arguments,
      (t, i) => promote(lowerNamed(t, name, 'variadic argument ' + (fixed.length + i)).type));
    // ffi-napi lets `.returnType` be changed after creation.
    const rtn = lowerNamed(variadic_function_generator.returnType, name, 'the return type').type;
    const key = [rtn].concat(varTypes).map(typeId).join(',');
    let f = cache.get(key);
    if (!f) {
      f = buildFunction(ptr, rtn, fixed.concat(varTypes), { abi, fixed: fixed.length, name });
      cache.set(key, f);
    }
    return f;
  }
  variadic_function_generator.returnType = returnType;
  variadic_function_generator.fixedArgTypes = fixed;
  return variadic_function_generator;
}

// ---- Library ----------------------------------------------------------------------

function Library(libfile, funcs, lib) {
  return guardRevoked('Library', () => defineLibrary(this, libfile, funcs, lib));
}

function defineLibrary(self, libfile, funcs, lib) {
  // ffi-napi allows both `Library(...)` and `new Library(...)`; the third
  // argument is an object to add the functions to.
  if (lib !== undefined && lib !== null && typeof lib !== 'object' && typeof lib !== 'function') {
    throw makeError('ERR_REFFI_ARG_TYPE', 'Library: the third argument must be an object to add the functions to, got ' + describe(lib));
  }
  lib = lib || (self instanceof Library ? self : {});
  if (funcs !== undefined && funcs !== null && typeof funcs !== 'object') {
    throw makeError('ERR_REFFI_ARG_TYPE', 'Library: the function spec must be an object, got ' + describe(funcs));
  }
  let dl;
  if (libfile instanceof DynamicLibrary) {
    dl = libfile;
  } else {
    if (libfile !== null && libfile !== undefined && typeof libfile !== 'string') {
      throw makeError('ERR_REFFI_ARG_TYPE',
        'Library: the library must be a name/path string, null or a DynamicLibrary, got ' + describe(libfile));
    }
    // As in ffi-napi: the platform extension is appended unless the name
    // already contains it ("libm" -> "libm.so", "libc.so.6" unchanged).
    if (libfile && libfile.indexOf(LIB_EXT) === -1) libfile += LIB_EXT;
    dl = new DynamicLibrary(libfile || null, FLAGS.RTLD_NOW);
  }
  Object.defineProperty(lib, '_dl', { value: dl, enumerable: false, configurable: true, writable: true });
  // Explicit disposal: lib.close() / `using lib = ffi.Library(...)` closes the
  // library; calls through its functions then throw ERR_REFFI_LIBRARY_CLOSED.
  // Skipped when the spec binds a C function of that name.
  if (!(funcs && Object.prototype.hasOwnProperty.call(funcs, 'close'))) {
    Object.defineProperty(lib, 'close', { value: () => dl.close(), enumerable: false, configurable: true, writable: true });
  }
  if (Symbol.dispose) {
    Object.defineProperty(lib, Symbol.dispose, { value: () => dl.close(), enumerable: false, configurable: true, writable: true });
  }
  if (!(funcs && Object.prototype.hasOwnProperty.call(funcs, 'func'))) {
    // lib.func('int atoi(const char *s)'): bind from a C prototype (lib/cdecl.js).
    Object.defineProperty(lib, 'func', { value: require('./cdecl').libraryFunc(dl), enumerable: false, configurable: true, writable: true });
  }
  for (const func of Object.keys(funcs || {})) {
    const info = funcs[func];
    if (typeof info === 'string') {
      // A C prototype string; the key names the symbol (lib/cdecl.js).
      lib[func] = require('./cdecl').bindPrototype(dl, info, func);
      continue;
    }
    if (!Array.isArray(info) || info.length < 2 || !Array.isArray(info[1])) {
      throw makeError('ERR_REFFI_ARG_TYPE',
        'Library: the spec of "' + func + '" must be [returnType, [argTypes...], options?], got ' + describe(info));
    }
    const [resultType, paramTypes, fopts] = info;
    if (fopts !== undefined && fopts !== null && typeof fopts !== 'object') {
      throw makeError('ERR_REFFI_ARG_TYPE', 'Library: the options of "' + func + '" must be an object, got ' + describe(fopts));
    }
    const fptr = dl.get(func);
    const abi = fopts && fopts.abi;
    if (fopts && fopts.varargs) {
      lib[func] = VariadicForeignFunction(fptr, resultType, paramTypes, abi);
    } else {
      const ff = ForeignFunction(fptr, resultType, paramTypes, abi);
      lib[func] = fopts && fopts.async ? ff.async : ff;
    }
  }
  return lib;
}

// ---- Callback -----------------------------------------------------------------------

const callbackRegistry = new FinalizationRegistry((id) => {
  try { native.releaseCallback(id); } catch (_) { /* environment shutting down */ }
});

// Raw 8-byte images of scalar descriptors, for custom types (their own
// get/set work on a Buffer) and ffi.Function values.
function writeRaw(buf, desc, v) {
  switch (desc) {
    case 'b': buf.writeUInt8(v ? 1 : 0, 0); break;
    case 'i8': buf.writeInt8(v, 0); break;
    case 'u8': buf.writeUInt8(v, 0); break;
    case 'i16': buf.writeInt16LE(v, 0); break;
    case 'u16': buf.writeUInt16LE(v, 0); break;
    case 'i32': buf.writeInt32LE(v, 0); break;
    case 'u32': buf.writeUInt32LE(v, 0); break;
    case 'f32': buf.writeFloatLE(v, 0); break;
    case 'f64': buf.writeDoubleLE(v, 0); break;
    case 'i64': buf.writeBigInt64LE(BigInt(v), 0); break;
    default: buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v === null ? 0 : v)), 0); break; // u64, p, s, o<n>
  }
}

function readRaw(buf, desc) {
  switch (desc) {
    case 'b': case 'u8': return buf.readUInt8(0);
    case 'i8': return buf.readInt8(0);
    case 'i16': return buf.readInt16LE(0);
    case 'u16': return buf.readUInt16LE(0);
    case 'i32': return buf.readInt32LE(0);
    case 'u32': return buf.readUInt32LE(0);
    case 'f32': return buf.readFloatLE(0);
    case 'f64': return buf.readDoubleLE(0);
    default: return buf.readBigUInt64LE(0);
  }
}

/** How a C argument value (as the engine hands it over) becomes the JS argument, or null for "as is". */
function argFromC(l) {
  switch (l.kind) {
    case 'p': {
      // The engine passes the address as a Number (null for NULL).
      const len = l.type.indirection === 2 ? l.type.size : POINTER_SIZE;
      const dt = ref.derefType(l.type);
      return pointerConverter(len, dt);
    }
    case 'agg': return (v) => l.type.get(v, 0); // v: a Buffer holding a copy
    case 'fn': case 'custom': return (v) => {
      if (v instanceof Uint8Array) return l.type.get(v, 0); // a custom type of odd size: a copy of its bytes
      const tmp = Buffer.alloc(8);
      writeRaw(tmp, l.desc, v);
      return l.type.get(tmp, 0);
    };
    default: return null;
  }
}

const INT_LIMITS = {
  i8: [-128, 127], u8: [0, 255], i16: [-32768, 32767], u16: [0, 65535],
  i32: [-2147483648, 2147483647], u32: [0, 4294967295],
};

function retAddress(what, v) {
  if (v === null || v === undefined) return 0;
  if (ArrayBuffer.isView(v) ||
      (typeof v === 'object' && !isRevokedProxy(v) && (v instanceof ArrayBuffer || v['ref.buffer'] instanceof Uint8Array))) {
    return codegen.addressOf(what, 0, v);
  }
  throw makeError('ERR_REFFI_ARG_TYPE', what + ': expected a Buffer (pointer) or null, got ' + describe(v));
}

/**
 * How the JS callback's result becomes what the engine writes for C: a
 * Number or BigInt for scalars and addresses, a Buffer for aggregates.
 * `keep` holds memory C receives (returned strings) for a while.
 */
function retToC(l, keep, cbName) {
  const what = 'the return value of ' + cbName;
  const hold = (v) => {
    keep.push(v);
    if (keep.length > 16) keep.shift();
  };
  switch (l.kind) {
    case 'v': return () => undefined;
    case 'i8': case 'u8': case 'i16': case 'u16': case 'i32': case 'u32': {
      const [min, max] = INT_LIMITS[l.kind];
      const label = what + ' (' + l.type.name + ')';
      // undefined/null → 0, as ffi-napi writes them.
      return (v) => {
        if (typeof v === 'number' && v >= min && v <= max && Math.floor(v) === v) return v;
        return v === undefined || v === null ? 0 : checkInt(label, v, min, max);
      };
    }
    case 'b': return (v) => {
      if (v === undefined || v === null || typeof v === 'boolean' || typeof v === 'number') return v ? 1 : 0;
      throw makeError('ERR_REFFI_ARG_TYPE', what + ' (bool): expected a boolean, got ' + describe(v));
    };
    case 'f32': case 'f64': return (v) => {
      if (typeof v === 'number') return v;
      if (v === undefined || v === null) return 0;
      if (typeof v === 'bigint') return Number(v);
      throw makeError('ERR_REFFI_ARG_TYPE', what + ' (' + l.type.name + '): expected a number, got ' + describe(v));
    };
    case 'i64': case 'u64': return (v) => (v === undefined || v === null ? 0 : toBigInt64(what, v, l.kind === 'i64'));
    case 'p': return (v) => retAddress(what, v);
    case 's': return (v) => {
      if (typeof v === 'string') {
        const b = ref.allocCString(v);
        hold(b);
        return ref.address(b);
      }
      return retAddress(what, v);
    };
    case 'agg': return (v) => {
      if (isRevokedProxy(v)) throw revokedProxyError(what);
      if (v && v['ref.buffer'] instanceof Uint8Array &&
          ((typeof l.type === 'function' && v instanceof l.type) || v.constructor === l.type)) {
        return v['ref.buffer'];
      }
      if (v instanceof Uint8Array) {
        if (v.length < l.type.size) {
          throw makeError('ERR_REFFI_ARG_TYPE', what + ': a ' + v.length + '-byte Buffer is too small for ' +
            (l.type.name || 'the struct') + ' (' + l.type.size + ' bytes)');
        }
        return v;
      }
      if (v === null || typeof v !== 'object') {
        throw makeError('ERR_REFFI_ARG_TYPE', what + ': expected a ' + (l.type.name || 'struct') + ' or an object of its fields, got ' + describe(v));
      }
      const tmp = Buffer.alloc(Math.max(l.type.size, 1));
      l.type.set(tmp, 0, v);
      return tmp;
    };
    case 'fn': case 'custom': {
      // 'o<size>:<align>' (a custom type known only by an odd size) travels
      // as its bytes; every other descriptor as a scalar.
      const bytes = l.desc[0] === 'o';
      return (v) => {
        const tmp = Buffer.alloc(Math.max(l.type.size || 0, 8));
        l.type.set(tmp, 0, v);
        hold(tmp);
        hold(v);
        return bytes ? tmp : readRaw(tmp, l.desc);
      };
    }
    default: throw makeError('ERR_REFFI_INTERNAL', 'no callback return conversion for ' + l.kind);
  }
}

// Compiled wrapper factories, by generated source and the user function's
// source. Each callback gets its own wrapper closure; callbacks made again
// and again from the same code (a fresh arrow function per call, say)
// share one compiled function instead of compiling a new one each time,
// which would grow V8's heap by tens of MB per 100,000 callbacks. Distinct
// user code never shares, so the wrapper's call of `func` stays
// monomorphic (the research note's pitfall with identical sources).
const wrapperFactories = new Map();
const WRAPPER_FACTORIES_MAX = 1024;

function wrapperFactory(names, body, func) {
  let fsrc;
  try { fsrc = Function.prototype.toString.call(func); } catch (_) { fsrc = null; }
  const key = fsrc === null ? null : body + '\n//' + fsrc;
  let f = key === null ? undefined : wrapperFactories.get(key);
  if (f === undefined) {
    const src = '"use strict";\n// reffi callback wrapper #' + (wrapperSerial++) + '\n' + body;
    // eslint-disable-next-line no-new-func
    f = new Function(...names, src);
    if (key !== null) {
      if (wrapperFactories.size >= WRAPPER_FACTORIES_MAX) wrapperFactories.clear();
      wrapperFactories.set(key, f);
    }
  }
  return f;
}

let wrapperSerial = 0;

/**
 * The JS function the engine calls: converts the arguments that need it
 * (pointers, structs, custom types), calls `func` with exactly the declared
 * parameters, and converts its result for C. Generated per arity so the
 * call allocates nothing (no arguments array, no apply).
 */
function callbackWrapper(func, conv, toC) {
  const params = conv.map((_, i) => 'a' + i);
  const argsSrc = conv.map((c, i) => (c ? 'C' + i + '(a' + i + ')' : 'a' + i)).join(', ');
  const body = 'return function reffiCallback(' + params.join(', ') + ') { return toC(func(' + argsSrc + ')); };';
  const names = ['func', 'toC'].concat(conv.map((_, i) => 'C' + i));
  return wrapperFactory(names, body, func)(func, toC, ...conv);
}

// Kinds that travel through the argument block (see blockCallbackWrapper).
const BLOCK_ARG_KINDS = new Set(['b', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64', 'p']);
const BLOCK_RET_KINDS = new Set(['v', 'b', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64', 'p', 's']);

function usesBlock(ret, args) {
  return args.length <= native.CB_BLOCK_MAX_ARGS && BLOCK_RET_KINDS.has(ret.kind) &&
    args.every((l) => BLOCK_ARG_KINDS.has(l.kind));
}

/**
 * The wrapper for a signature of scalars only (the block protocol): the
 * engine writes the C arguments into the argument block and calls this
 * wrapper with no arguments; it copies them out (before any user code can
 * run a nested callback that reuses the region), converts them, calls
 * `func`, and leaves the checked result in the block. No Node-API value
 * conversion on either side. Pointer arguments become typed pointer
 * Buffers, 64-bit integers a Number when exact and a string otherwise (as
 * ref-napi reads them), bool a boolean.
 */
function blockCallbackWrapper(func, args, ret, conv, toC) {
  const A0 = native.SLOT_CB_ARG0;
  const reads = args.map((l, i) => {
    const k = A0 + i;
    switch (l.kind) {
      case 'i64': return 'const r' + i + ' = I64[' + k + '];';
      case 'u64': return 'const r' + i + ' = U64[' + k + '];';
      default: return 'const r' + i + ' = F64[' + k + '];';
    }
  });
  const values = args.map((l, i) => {
    switch (l.kind) {
      case 'b': return 'r' + i + ' !== 0';
      case 'i64': case 'u64': return 'fromBigInt64(r' + i + ')';
      case 'p': return 'C' + i + '(r' + i + ')';
      default: return 'r' + i;
    }
  });
  const callSrc = 'func(' + values.join(', ') + ')';
  const R = native.SLOT_CB_RET;
  let body;
  switch (ret.kind) {
    case 'v': body = callSrc + ';'; break;
    case 'i64': case 'u64':
      body = 'const v = toC(' + callSrc + ');\n  I64[' + R + '] = typeof v === "bigint" ? BigInt.asIntN(64, v) : BigInt(v);';
      break;
    // Integers up to 32 bits and bool: an Int32 in the slot's low half
    // (toC gave a checked integer; a uint32 above 2^31 wraps to the same
    // bits), read by the engine without a float conversion
    // (src/raw_values.rs BlockScalar::store).
    case 'b': case 'i8': case 'u8': case 'i16': case 'u16': case 'i32': case 'u32':
      body = 'I32[' + (2 * R) + '] = toC(' + callSrc + ');';
      break;
    default: body = 'F64[' + R + '] = toC(' + callSrc + ');';
  }
  const src = 'return function reffiCallback() {\n  ' + reads.join(' ') + '\n  ' + body + '\n};';
  const names = ['func', 'toC', 'F64', 'I64', 'U64', 'I32', 'fromBigInt64'].concat(args.map((_, i) => 'C' + i));
  return wrapperFactory(names, src, func)(func, toC, native.F64, native.I64, native.U64, native.I32, fromBigInt64,
    ...conv.map((c) => c || null));
}

/**
 * ffi.Callback(returnType, argTypes, [abi,] func): a C function pointer
 * (a Buffer whose address is the code) that runs `func`. See docs/callbacks.md.
 */
function Callback(retType, argTypes, abi, func) {
  return guardRevoked('ffi.Callback', () => createCallback(retType, argTypes, abi, func));
}

function createCallback(retType, argTypes, abi, func) {
  if (typeof abi === 'function' && func === undefined) { func = abi; abi = undefined; }
  if (typeof func !== 'function') {
    throw makeError('ERR_REFFI_ARG_TYPE', 'ffi.Callback: expected a function, got ' + describe(func));
  }
  if (!Array.isArray(argTypes)) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'ffi.Callback: argument types must be an array, got ' + describe(argTypes));
  }
  if (abi !== undefined && abi !== null && abi !== FFI_DEFAULT_ABI) {
    throw makeError('ERR_REFFI_UNSUPPORTED', 'ffi.Callback: unsupported ABI ' + describe(abi) + ' (only FFI_DEFAULT_ABI = ' + FFI_DEFAULT_ABI + ')');
  }
  const cbName = 'callback ' + (func.name || '(anonymous)');
  const ret = lowerNamed(retType, cbName, 'the return type');
  const args = argTypes.map((t, i) => {
    const l = lowerNamed(t, cbName, 'argument ' + i);
    if (l.kind === 'v') throw makeError('ERR_REFFI_INVALID_TYPE', 'argument ' + i + ' of ' + cbName + ' cannot be void');
    return l;
  });
  const conv = args.map(argFromC);
  const toC = retToC(ret, [], cbName);
  const block = usesBlock(ret, args);
  const wrapper = block ? blockCallbackWrapper(func, args, ret, conv, toC) : callbackWrapper(func, conv, toC);
  const [id, code] = native.createCallback(ret.desc, args.map((x) => x.desc).join(' '), wrapper, block);
  const ptr = pointerBuffer(code, 0);
  ptr.type = ref.types.void;
  // The engine holds `wrapper` weakly: this object keeps it (and `func`)
  // alive, so the callback lives exactly as long as JavaScript holds `ptr`.
  const state = { id, released: false, func, wrapper };
  const release = () => {
    if (!state.released) {
      state.released = true;
      callbackRegistry.unregister(state);
      native.releaseCallback(id);
    }
  };
  Object.defineProperty(ptr, kCallback, { value: state });
  Object.defineProperty(ptr, 'release', { value: release, enumerable: false });
  Object.defineProperty(ptr, 'close', { value: release, enumerable: false });
  if (Symbol.dispose) Object.defineProperty(ptr, Symbol.dispose, { value: release, enumerable: false });
  callbackRegistry.register(ptr, id, state);
  return ptr;
}

Callback.release = function (ptr) {
  const st = isRevokedProxy(ptr) ? undefined : ptr && ptr[kCallback];
  if (!st) throw makeError('ERR_REFFI_ARG_TYPE', 'Callback.release: not a reffi callback: ' + describe(ptr));
  ptr.release();
};

// ---- ffi.Function type ---------------------------------------------------------

function FunctionType(retType, argTypes, abi) {
  if (!(this instanceof FunctionType)) return new FunctionType(retType, argTypes, abi);
  if (isRevokedProxy(argTypes) || !Array.isArray(argTypes)) {
    throw makeError('ERR_REFFI_ARG_TYPE', 'ffi.Function: argument types must be an array, got ' + describe(argTypes));
  }
  this.retType = ref.coerceType(retType);
  this.argTypes = argTypes.map((t) => ref.coerceType(t));
  this.abi = abi === undefined ? FFI_DEFAULT_ABI : abi;
  this.size = POINTER_SIZE;
  this.alignment = POINTER_SIZE;
  this.indirection = 1;
  this.name = 'Function';
  // A plain JS function given where this type is expected becomes a
  // Callback, one per function (the same function gives the same pointer);
  // the Callback lives as long as the function does.
  const callbacks = new WeakMap();
  const sig = this;
  const callbackFor = (fn) => {
    let cb = callbacks.get(fn);
    if (cb === undefined || cb[kCallback].released) {
      cb = Callback(sig.retType, sig.argTypes, sig.abi, fn);
      callbacks.set(fn, cb);
    }
    return cb;
  };
  Object.defineProperty(this, '_callbackFor', { value: callbackFor });
  this[kFunctionType] = function toPointer(name, i, v) {
    if (typeof v === 'function') {
      const cb = callbackFor(v);
      codegen.S.pinned.push(cb);
      return ref.address(cb);
    }
    return codegen.addressOf(name, i, v);
  };
  this._fnCache = new Map();
}

/** A new Callback for `fn` with this signature (ffi-napi). */
FunctionType.prototype.toPointer = function (fn) {
  return Callback(this.retType, this.argTypes, this.abi, fn);
};
/** A JS function calling the C function at `buf` (ffi-napi). */
FunctionType.prototype.toFunction = function (buf) {
  return ForeignFunction(buf, this.retType, this.argTypes, this.abi);
};
FunctionType.prototype.get = function get(buffer, offset) {
  const ptr = ref.readPointer(buffer, offset || 0);
  if (ref.isNull(ptr)) return null;
  const a = ref.address(ptr);
  let f = this._fnCache.get(a);
  if (!f) {
    f = this.toFunction(ptr);
    this._fnCache.set(a, f);
  }
  return f;
};
FunctionType.prototype.set = function set(buffer, offset, value) {
  let ptr;
  if (typeof value === 'function') ptr = this._callbackFor(value);
  else if (value === null || value === undefined || (!isRevokedProxy(value) && value instanceof Uint8Array)) ptr = value;
  else throw makeError('ERR_REFFI_ARG_TYPE', 'ffi.Function: expected a function or a pointer Buffer, got ' + describe(value));
  ref.writePointer(buffer, offset || 0, ptr);
};

// ---- errno, misc ----------------------------------------------------------------

function errno() {
  return native.errno();
}

/**
 * Which call path ran, for tests: {fast, generic} call counts, live
 * objects, and `callbackStubs`: callbacks (in this process, ever) whose C
 * entry is one of reffi's own stubs rather than a libffi closure.
 */
function stats() {
  const [fast, generic, callbacks, functions, libraries, callbackStubs] = native.stats();
  return { fast, generic, callbacks, functions, libraries, callbackStubs };
}

/** Declares C types and prototypes from a block of C declarations (lib/cdecl.js, docs/cdecl.md). */
function cdef(source, lib, options) {
  return guardRevoked('ffi.cdef', () => require('./cdecl').cdef(source, lib, options));
}

module.exports = {
  Library, DynamicLibrary, ForeignFunction, VariadicForeignFunction, Callback,
  Function: FunctionType, errno, stats, cdef,
  types: ref.types, LIB_EXT, FLAGS,
  RTLD_LAZY: FLAGS.RTLD_LAZY, RTLD_NOW: FLAGS.RTLD_NOW, RTLD_LOCAL: FLAGS.RTLD_LOCAL, RTLD_GLOBAL: FLAGS.RTLD_GLOBAL,
  RTLD_NOLOAD: FLAGS.RTLD_NOLOAD, RTLD_NODELETE: FLAGS.RTLD_NODELETE,
  FFI_OK: 0, FFI_BAD_TYPEDEF: 1, FFI_BAD_ABI: 2, FFI_DEFAULT_ABI, FFI_UNIX64: 2, FFI_SYSV: 1,
  HAS_OBJC: false, POINTER_SIZE,
};
