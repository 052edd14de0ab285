'use strict';
// Type-spec cases: random and malformed type names, type objects and spec
// shapes given to ffi.Library, ffi.ForeignFunction, ffi.Callback,
// ffi.Function, ffi.DynamicLibrary, ref.coerceType/refType/derefType/alloc,
// Struct, Union and (when present) ArrayType. Each must succeed or throw an
// ERR_REFFI_* error. What binds is then called: functions are bound to
// fz_zero (which ignores whatever it is declared with and returns 0, so any
// declared signature is safe to call on x86-64 System V), callbacks are
// called through a ForeignFunction made from their own pointer (same
// signature on both sides).

const ffi = require('../../lib/ffi');
const ref = require('../../lib/ref');
const Vals = require('./values');
const H = require('./helpers');

const { V } = Vals;

let Struct = null, Union = null, ArrayType = null;
try { Struct = require('../../lib/struct'); } catch (_) { /* absent */ }
try { Union = require('../../lib/union'); } catch (_) { /* absent */ }
try { ArrayType = require('../../lib/array'); } catch (_) { /* absent: lib/array.js not written yet */ }

const kDesc = Symbol.for('reffi.descriptor');

const GOOD_NAMES = Object.keys(ref.types).concat(['pointer', 'Pointer', 'string', 'void*', 'char *', 'char**', 'int64 *',
  ' const char * ', 'uint8*', 'double **', 'Utf8String', 'size_t', 'INT32', 'const int']);
const BAD_NAMES = ['', ' ', '*', '**', 'int**x', 'uint128', 'int32_t', 'struct foo', 'int[4]', '__proto__', 'constructor',
  'toString', 'hasOwnProperty', 'valueOf', 'const', 'const *', 'void void', 'int int', '\0', 'int\0', 'in t', 'long long',
  'unsigned int', 'float16', 'bool*&', '\u00e9', 'CString*x'];

/** A custom type object (ref-style, user-defined). */
function customType(rng) {
  const size = rng.pick([1, 2, 4, 8, 0, 3, 16, 24, 2 ** 40, -1, NaN, 1.5, '4', undefined]);
  const alignment = rng.pick([undefined, 1, 2, 4, 8, 3, 0, NaN]);
  const indirection = rng.pick([1, 1, 1, 2, 0, -1, 2.5, NaN, 1e9, undefined, '1']);
  const getMode = rng.int(0, 3);
  const t = {
    name: 'custom', size, indirection,
    get(buf, off) {
      if (getMode === 1) throw H.userError('custom get');
      if (getMode === 2) return { weird: true };
      return buf.length > (off || 0) ? buf[off || 0] : 0;
    },
    set(buf, off, val) {
      if (getMode === 1) throw H.userError('custom set');
      if (buf.length > (off || 0) && typeof val === 'number') buf[off || 0] = val & 255;
    },
  };
  if (alignment !== undefined) t.alignment = alignment;
  if (rng.bool(0.1)) delete t.get;
  if (rng.bool(0.1)) delete t.set;
  const src = '({ size: ' + String(size) + ', indirection: ' + String(indirection) + ', alignment: ' + String(alignment) + ', get, set })';
  const tags = {};
  // Flag what known.js may need to recognise.
  if (size === 2 ** 40) tags.huge = true;
  if (typeof size === 'number' && Number.isInteger(size) && size > 0 && indirection === 1) {
    const al = alignment === undefined ? size : alignment;
    if (!([1, 2, 4, 8].includes(size) && al === size)) tags.customAggregate = true;
  }
  return V(t, src, tags);
}

/** A type object claiming an engine descriptor (the protocol Struct/Union/Array types use), possibly lying about its size. */
function descriptorType(rng) {
  const desc = rng.pick(['{i32,f64}', '{f64,f64}', '{i8}', '<i32,f32>', '[i32;4]', '{i32', '', 'zz', '{v}', '{u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8}',
    '{' + 'i32,'.repeat(40) + 'i32}', '!{u8,u32}', 'o3:1', 'o5:3', '{o12:4}', '{i8,[u8;1000000]}', '<i32,[u8;3000]>', '{[f32;3],p}']);
  const size = rng.pick([undefined, 4, 8, 16, 24, 0]);
  const t = {
    name: 'forged', size, alignment: 8, indirection: 1,
    get() { return {}; },
    set() {},
  };
  const fn = rng.bool(0.2);
  t[kDesc] = fn ? () => { throw H.userError('descriptor'); } : desc;
  return V(t, '({ [Symbol.for("reffi.descriptor")]: ' + (fn ? 'throwing fn' : JSON.stringify(desc)) + ', size: ' + size + ' })', { forged: true });
}

function recordType(rng, depth) {
  const kind = rng.pick(['struct', 'struct', 'union', 'packed', 'array', 'empty']);
  try {
    if (kind === 'empty' && Struct) return V(Struct(), 'Struct()');
    if (kind === 'array') {
      if (!ArrayType) return V(ref.types.int, 'ref.types.int');
      const t = typeValue(rng, depth + 1);
      const n = rng.pick([0, 1, 3, 16, undefined, -1, 1.5]);
      return V(ArrayType(t.v, n), 'ArrayType(' + t.src + ', ' + n + ')', { customAggregate: t.customAggregate, forged: t.forged, huge: t.huge });
    }
    const F = kind === 'union' ? Union : Struct;
    if (!F) return V(ref.types.int, 'ref.types.int');
    const n = rng.int(1, 4);
    const spec = {};
    const srcs = [];
    const tags = {};
    for (let i = 0; i < n; i++) {
      const t = typeValue(rng, depth + 1, rng.bool(0.8));
      if (t.customAggregate) tags.customAggregate = true;
      if (t.forged) tags.forged = true;
      if (t.huge) tags.huge = true;
      spec['f' + i] = t.v;
      srcs.push('f' + i + ': ' + t.src);
    }
    const s = '{ ' + srcs.join(', ') + ' }';
    if (kind === 'packed') return V(F(spec, { packed: true }), 'Struct(' + s + ', { packed: true })', tags);
    return V(F(spec), (kind === 'union' ? 'Union(' : 'Struct(') + s + ')', tags);
  } catch (e) {
    return V({ definitionError: e }, 'definition threw', { definitionError: e });
  }
}

/** A type argument: names (good and bad), type objects, custom and forged types, records, anything. */
function typeValue(rng, depth, plausible) {
  depth = depth || 0;
  // Mostly plausible types (so that binding succeeds and calls happen), sometimes anything.
  const which = plausible && rng.bool(0.85) ? rng.pick([0, 0, 1, 2, 3, 6, 6, 7, 7, 8, 9, 9, 11, 12, 10]) : rng.int(0, 14);
  if (which <= 3) { const s = rng.pick(GOOD_NAMES); return V(s, JSON.stringify(s)); }
  if (which <= 5) { const s = rng.pick(BAD_NAMES); return V(s, JSON.stringify(s)); }
  if (which === 6) { const k = rng.pick(Object.keys(ref.types)); return V(ref.types[k], 'ref.types.' + k); }
  if (which === 7) {
    const b = typeValue(rng, depth + 1);
    try { return V(ref.refType(b.v), 'ref.refType(' + b.src + ')', { customAggregate: false, forged: b.forged }); } catch (e) { return b; }
  }
  if (which === 8) return customType(rng);
  if (which === 9 && depth < 3) return recordType(rng, depth);
  if (which === 10) return descriptorType(rng);
  if (which === 11 && depth < 3) {
    const r = typeValue(rng, depth + 1);
    const args = [typeValue(rng, depth + 1)];
    try {
      return V(ffi.Function(r.v, args.map((a) => a.v)), 'ffi.Function(' + r.src + ', [' + args.map((a) => a.src).join(', ') + '])',
        { customAggregate: r.customAggregate || args[0].customAggregate, forged: r.forged || args[0].forged, huge: r.huge || args[0].huge });
    } catch (e) { return r; }
  }
  if (which === 12) return V(Object.create(ref.types.int32), 'Object.create(ref.types.int32)');
  return Vals.anyValue(rng, null, { noMemory: true });
}

function anyCustom(types) {
  return types.some((t) => t.customAggregate);
}
function anyForged(types) {
  return types.some((t) => t.forged);
}
function anyHuge(types) {
  return types.some((t) => t.huge);
}

/** Arguments for a function of declared types: any values (fz_zero ignores them); C strings stay NUL-terminated. */
function argsFor(rng, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    let x = Vals.anyValue(rng, null, { noMemory: rng.bool(0.5) });
    if (!x.userThrows && (ArrayBuffer.isView(x.v) || x.v instanceof ArrayBuffer) && !x.nulTerminated) x = V(null, 'null');
    if (x.detached) x = V(null, 'null');
    out.push(x);
  }
  return out;
}

function makeCase(rng, batch) {
  const op = rng.weighted([[30, 'library'], [12, 'foreign'], [18, 'callback'], [12, 'ref'], [14, 'record'], [6, 'dlopen'], [8, 'function']]);
  const zero = batch.lib.get('fz_zero');
  const c = { label: 'spec ' + op, expect: { kind: 'any', userOk: true }, src: [] };
  const log = (s) => c.src.push(s);
  const types = [];
  const plausible = rng.bool(0.7);
  const T = () => { const t = typeValue(rng, 0, plausible); types.push(t); return t; };

  // Calls `f` with `n` random arguments; sometimes the wrong count, sometimes .async.
  const callIt = async (f, n) => {
    if (typeof f !== 'function') return;
    const m = rng.bool(0.9) ? n : rng.int(0, n + 2);
    const args = argsFor(rng, m);
    log('f(' + args.map((a) => a.src).join(', ') + ')');
    if (rng.bool(0.1) && typeof f.async === 'function') {
      await f.async(...args.map((a) => a.v));
    } else {
      const r = f(...args.map((a) => a.v));
      // (an 'Object' return hands back what the callback returned, a revoked
      // Proxy say: reading its `then` would throw the harness's own TypeError)
      if (r && !require('util').types.isProxy(r) && typeof r.then === 'function') await r;
    }
  };

  if (op === 'library') {
    const name = rng.weighted([[8, 'fz_zero'], [1, 'no_such_symbol'], [1, rng.pick(['__proto__', 'constructor', 'toString', '', 'fz_zero\0x'])]]);
    const shape = rng.int(0, 9);
    let spec;
    let retT, argTs = [];
    if (shape <= 5) {
      retT = T();
      const n = rng.int(0, 8);
      for (let i = 0; i < n; i++) argTs.push(T());
      const opts = rng.weighted([[6, undefined], [1, null], [1, {}], [1, { varargs: true }], [1, { async: true }], [1, 'str'], [1, { abi: 99 }]]);
      spec = [retT.v, argTs.map((a) => a.v)];
      if (opts !== undefined) spec.push(opts);
      log('ffi.Library(LIB, { ' + JSON.stringify(name) + ': [' + retT.src + ', [' + argTs.map((a) => a.src).join(', ') + ']' + (opts !== undefined ? ', ' + JSON.stringify(opts) : '') + '] })');
    } else {
      const t = T();
      spec = rng.pick([t.v, [], [t.v], [t.v, t.v], [t.v, {}], { 0: 'int', 1: [] }, null, 5, () => 1, [t.v, [t.v], 5]]);
      log('ffi.Library(LIB, { ' + JSON.stringify(name) + ': <malformed ' + t.src + '> })');
    }
    c.customAggregateCall = anyCustom(types);
    c.forgedCall = anyForged(types);
    c.hugeCall = anyHuge(types);
    c.exec = async () => {
      const funcs = rng.bool(0.05) ? rng.pick([null, 5, 'x', [spec]]) : { [name]: spec };
      const L = ffi.Library(require('./cases').libPath(), funcs);
      // Only what Library bound (not an inherited property such as "constructor").
      if (!Object.prototype.hasOwnProperty.call(L, name)) return;
      const f = L[name];
      if (typeof f !== 'function') return;
      if (Array.isArray(spec) && spec[2] && spec[2].varargs) {
        const vt = [];
        for (let i = rng.int(0, 3); i > 0; i--) vt.push(T());
        c.customAggregateCall = c.customAggregateCall || anyCustom(vt);
        c.forgedCall = c.forgedCall || anyForged(vt);
        c.hugeCall = c.hugeCall || anyHuge(vt);
        if (known.avoidSpec(c, batch)) return;
        const g = f(...vt.map((t) => t.v));
        await callIt(g, argTs.length + vt.length);
      } else {
        if (known.avoidSpec(c, batch)) return;
        await callIt(f, argTs.length);
      }
    };
    return c;
  }
  if (op === 'foreign' || op === 'function') {
    const ptr = rng.weighted([[7, V(zero, 'lib.get("fz_zero")')], [1, V(ref.NULL, 'ref.NULL')], [1, Vals.anyValue(rng, null, { noMemory: true })], [1, V(Buffer.alloc(8), 'Buffer.alloc(8) /* never called */')]]);
    const callable = ptr.v === zero;
    const retT = T();
    const argTs = [];
    for (let i = rng.int(0, 6); i > 0; i--) argTs.push(T());
    const argList = rng.bool(0.9) ? argTs.map((a) => a.v) : rng.pick(['int', null, 5, {}, argTs[0] && argTs[0].v]);
    const abi = rng.pick([undefined, undefined, ffi.FFI_DEFAULT_ABI, 0, 99, 'x']);
    c.customAggregateCall = anyCustom(types);
    c.forgedCall = anyForged(types);
    c.hugeCall = anyHuge(types);
    if (op === 'foreign') {
      log('ffi.ForeignFunction(' + ptr.src + ', ' + retT.src + ', [' + argTs.map((a) => a.src).join(', ') + '], ' + abi + ')');
      c.exec = async () => {
        const f = ffi.ForeignFunction(ptr.v, retT.v, argList, abi);
        if (callable && !known.avoidSpec(c, batch)) await callIt(f, argTs.length);
      };
    } else {
      log('new ffi.Function(' + retT.src + ', [' + argTs.map((a) => a.src).join(', ') + ']).toFunction(' + ptr.src + ')');
      c.exec = async () => {
        const FT = ffi.Function(retT.v, argList, abi);
        const f = FT.toFunction(ptr.v);
        if (callable && !known.avoidSpec(c, batch)) await callIt(f, argTs.length);
      };
    }
    return c;
  }
  if (op === 'callback') {
    const retT = T();
    const argTs = [];
    for (let i = rng.int(0, 6); i > 0; i--) argTs.push(T());
    const retVal = rng.bool(0.5) ? Vals.anyValue(rng, null, { noMemory: true }) : V(0, '0');
    if (typeof retVal.v === 'function') retVal.v = 0;
    const throws = rng.bool(0.1);
    const fnV = rng.weighted([[9, () => { if (throws) throw H.userError('callback'); return retVal.v; }], [1, rng.pick([null, 5, 'f', {}])]]);
    const abi = rng.pick([undefined, undefined, undefined, ffi.FFI_DEFAULT_ABI, 1, 'x']);
    c.customAggregateCall = anyCustom(types);
    c.forgedCall = anyForged(types);
    c.hugeCall = anyHuge(types);
    log('const cb = ffi.Callback(' + retT.src + ', [' + argTs.map((a) => a.src).join(', ') + '], ' + (abi === undefined ? '' : abi + ', ') + 'fn returning ' + retVal.src + ')');
    c.exec = async () => {
      const cb = abi === undefined ? ffi.Callback(retT.v, argTs.map((a) => a.v), fnV) : ffi.Callback(retT.v, argTs.map((a) => a.v), abi, fnV);
      if (rng.bool(0.7) && !known.avoidSpec(c, batch)) {
        // Call it through a ForeignFunction of the same signature (JS -> C ABI -> closure -> JS).
        log('ffi.ForeignFunction(cb, same signature)(...)');
        const f = ffi.ForeignFunction(cb, retT.v, argTs.map((a) => a.v));
        await callIt(f, argTs.length);
      }
      if (rng.bool(0.5)) cb.release();
    };
    return c;
  }
  if (op === 'ref') {
    const t = T();
    const what = rng.pick(['coerceType', 'refType', 'derefType', 'alloc', 'alloc2', 'get', 'set', 'sizeof']);
    log('ref.' + what + '(' + t.src + ')');
    c.exec = () => {
      if (what === 'coerceType') return ref.coerceType(t.v);
      if (what === 'refType') return ref.refType(t.v);
      if (what === 'derefType') return ref.derefType(t.v);
      if (t.forged || t.customAggregate) {
        // ref.alloc & co. on types whose get/set are the fuzzer's: any outcome
      }
      if (what === 'alloc') return ref.alloc(t.v);
      if (what === 'alloc2') { const x = Vals.anyValue(rng, null, { noMemory: true }); return ref.alloc(t.v, x.v); }
      if (what === 'get') return ref.get(Buffer.alloc(rng.pick([0, 1, 8, 64])), rng.int(0, 8), t.v);
      if (what === 'set') return ref.set(Buffer.alloc(rng.pick([0, 1, 8, 64])), rng.int(0, 8), Vals.anyValue(rng, null, { noMemory: true }).v, t.v);
      return ref.coerceType(t.v).size;
    };
    return c;
  }
  if (op === 'record') {
    const r = recordType(rng, 0);
    types.push(r);
    log(r.src);
    c.customAggregateCall = anyCustom(types);
    c.forgedCall = anyForged(types);
    c.hugeCall = anyHuge(types);
    c.exec = async () => {
      if (r.definitionError) throw r.definitionError;
      const Tt = r.v;
      if (typeof Tt !== 'function') return;
      // An instance, fields set from random values, then by value through fz_zero.
      const inst = new Tt();
      for (const k of Object.keys(Tt.fields || {})) {
        if (rng.bool(0.5)) {
          const x = Vals.anyValue(rng, null, { noMemory: true });
          try { inst[k] = x.v; } catch (e) { if (!isCodedOrUser(e)) throw e; }
        }
      }
      if (known.avoidSpec(c, batch)) return;
      const f = ffi.ForeignFunction(zero, rng.bool() ? Tt : 'int', [Tt, 'int']);
      const a = rng.pick([inst, {}, null, 5, Buffer.alloc(rng.int(0, 32))]);
      log('ffi.ForeignFunction(fz_zero, T or int, [T, int])(' + (a === inst ? 'inst' : Vals.numSrc(a)) + ', 1)');
      f(a, 1);
    };
    return c;
  }
  // dlopen
  const p = rng.pick([require('./cases').libPath(), '', 'libnonexistent.so', 'nonexistent', null, undefined, 5, {}, '/etc/hostname', '/tmp', '/dev/null',
    'libc.so.6', 'x\0y', '../../../../etc/passwd']);
  const mode = rng.pick([undefined, ffi.RTLD_NOW, ffi.RTLD_LAZY, 0, -1, 2 ** 40, 1.5, 'x', ffi.RTLD_NOW | ffi.RTLD_GLOBAL, ffi.RTLD_NOLOAD]);
  const sym = rng.pick(['fz_zero', 'no_such', '', 'a\0b', 5, null, '__proto__']);
  log('new ffi.DynamicLibrary(' + JSON.stringify(p) + ', ' + mode + ').get(' + JSON.stringify(sym) + ')');
  c.exec = () => {
    const dl = new ffi.DynamicLibrary(p, mode);
    try { dl.get(sym); } finally { if (rng.bool()) dl.close(); }
    if (rng.bool(0.3)) { dl.close(); dl.get('fz_zero'); }
  };
  return c;
}

function isCodedOrUser(e) {
  return (e && typeof e.code === 'string' && e.code.startsWith('ERR_REFFI_')) || H.isUserError(e);
}

const known = require('./known');

module.exports = { makeCase, typeValue, customType, descriptorType, hasArrayType: () => ArrayType !== null };
