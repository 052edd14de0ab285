'use strict';
// Call cases: a function of test/native/fuzz.c, random arguments, and the
// exact prediction of what reffi must do (return this value / throw an
// ERR_REFFI_* error). See test/fuzz/oracle.js for the model.

const ffi = require('../../lib/ffi');
const ref = require('../../lib/ref');
const native = require('../../lib/internal/native');
const O = require('./oracle');
const Vals = require('./values');
const H = require('./helpers');
const T = require('./table');

const { V } = Vals;
const types = ref.types;

// ---- type spellings ---------------------------------------------------------------------

const SPELL = {
  v: ['void', types.void],
  b: ['bool', types.bool],
  i8: ['int8', 'char', types.int8, ' int8 '],
  u8: ['uint8', 'uchar', 'byte', types.uint8],
  i16: ['int16', 'short', types.int16],
  u16: ['uint16', 'ushort', types.uint16],
  i32: ['int32', 'int', types.int, 'Int32'],
  u32: ['uint32', 'uint', types.uint32],
  i64: ['int64', 'long', 'longlong', 'ssize_t', types.int64],
  u64: ['uint64', 'ulong', 'ulonglong', 'size_t', types.uint64],
  f32: ['float', types.float],
  f64: ['double', types.double],
  p: ['pointer', 'void*', 'void *', 'int*', 'uint8 *', 'double**', 'char*', 'const char *', ref.refType(types.void)],
  s: ['string', 'CString', types.CString, 'Utf8String'],
};

function spellSrc(t) {
  if (typeof t === 'string') return JSON.stringify(t);
  for (const k of Object.keys(types)) if (types[k] === t) return 'ref.types.' + k;
  if (t === SPELL.p[SPELL.p.length - 1]) return 'ref.refType(ref.types.void)';
  return t && t.__src ? t.__src : '?';
}

// ---- results -------------------------------------------------------------------------------

function sameValue(a, b) {
  return Object.is(a, b) || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

function show(x) {
  if (typeof x === 'bigint') return x + 'n';
  if (typeof x === 'string') return JSON.stringify(x.length > 60 ? x.slice(0, 60) + '…' : x);
  if (x instanceof Uint8Array) return 'Buffer(' + x.length + ')@' + safeAddress(x);
  if (typeof x === 'number') return Vals.numSrc(x);
  if (x === null || x === undefined) return String(x);
  if (typeof x === 'object') { try { return JSON.stringify(x); } catch (_) { return Object.prototype.toString.call(x); } }
  return String(x);
}

function safeAddress(b) {
  try { return native.address(b); } catch (_) { return '?'; }
}

/** Compares a returned value with an expectation from oracle.expectReturn; null when it matches. */
function compare(exp, got) {
  if ('value' in exp) return sameValue(exp.value, got) ? null : 'expected ' + show(exp.value) + ', got ' + show(got);
  if ('address' in exp) {
    if (!(got instanceof Uint8Array)) return 'expected a pointer Buffer at ' + exp.address + ', got ' + show(got);
    const a = ref.address(got); // what C gets when the Buffer is passed on
    return a === exp.address ? null : 'expected a pointer to ' + exp.address + ', got one to ' + a;
  }
  if ('string' in exp) {
    const want = exp.string === null ? null : (typeof exp.string === 'string' ? exp.string : Buffer.from(exp.string).toString('utf8'));
    return got === want ? null : 'expected the string ' + show(want) + ', got ' + show(got);
  }
  throw new Error('compare: bad expectation');
}

// ---- expectations from argument predictions -------------------------------------------------

/**
 * Combines per-argument predictions: every argument ok → 'ok' (with the C
 * values); any REJECT → 'throw'; a USER value → the user's error may
 * propagate; ANY → anything but a crash or an uncoded error.
 */
function combine(preds) {
  let user = false, any = false, reject = false;
  for (const p of preds) {
    if (p.user) user = true;
    else if (p.any) any = true;
    else if (p.reject) reject = true;
  }
  if (reject || user) return { kind: 'throw', userOk: user };
  if (any) return { kind: 'any', userOk: user };
  return { kind: 'ok', c: preds.map((p) => p.c) };
}

// ---- aggregates ------------------------------------------------------------------------------

function buildAggregates() {
  const Struct = require('../../lib/struct');
  let Union = null;
  try { Union = require('../../lib/union'); } catch (_) { /* not there yet */ }
  let ArrayType = null;
  try { ArrayType = require('../../lib/array'); } catch (_) { /* not there yet */ }
  const out = {};
  const notes = [];
  for (const [name, d] of Object.entries(T.AGGREGATES)) {
    const spec = {};
    if (d.fields.some(([, k]) => T.arrayKind(k)) && !ArrayType) { notes.push(name + ': lib/array.js missing'); continue; }
    for (const [f, k] of d.fields) {
      const ak = T.arrayKind(k);
      spec[f] = ak ? ArrayType(SPELL[ak.elem][0], ak.n) : T.AGGREGATES[k] ? out[k] && out[k].type : SPELL[k][0];
    }
    if (Object.values(spec).some((x) => x === undefined)) continue;
    try {
      const Fac = d.kind === 'union' ? Union : Struct;
      if (!Fac) { notes.push(name + ': lib/union.js missing'); continue; }
      const type = d.kind === 'union' ? Fac(spec) : Fac(spec, d.packed ? { packed: true } : undefined);
      out[name] = { name, def: d, type };
    } catch (e) {
      notes.push(name + ': cannot be defined (' + (e.code || '') + ' ' + e.message + ')');
    }
  }
  return { aggs: out, notes };
}

/** Predicted C field values of aggregate `A` from a JS object of fields (ref `set` rules, for-in order). */
function predictFromObject(A, obj, ctx) {
  const fieldKinds = new Map(A.def.fields);
  if (A.def.kind === 'union') {
    const bytes = Buffer.alloc(ctx.aggs[A.name].type.size);
    for (const key in obj) { // eslint-disable-line guard-for-in
      if (!fieldKinds.has(key)) { if (RESERVED.has(key)) return O.ANY; continue; }
      const kind = fieldKinds.get(key);
      const p = O.convField(kind, obj[key]);
      if (!p.ok) return p;
      writeScalar(bytes, 0, kind, p.c);
    }
    return { ok: true, c: { unionBytes: bytes } };
  }
  const c = {};
  Object.assign(c, zeroAgg(A, ctx));
  for (const key in obj) { // eslint-disable-line guard-for-in
    if (!fieldKinds.has(key)) { if (RESERVED.has(key)) return O.ANY; continue; }
    const kind = fieldKinds.get(key);
    let p;
    if (T.arrayKind(kind)) p = predictArrayField(A.type.fields[key].type, T.arrayKind(kind), obj[key]);
    else if (T.AGGREGATES[kind]) p = predictAggValue(ctx.aggs[kind], { v: obj[key] }, ctx, 'field');
    else p = O.convField(kind, obj[key]);
    if (!p.ok) return p;
    c[key] = p.c;
  }
  return { ok: true, c };
}

/** A fixed-array field set from `v` (lib/array.js set rules); elements as C values. */
function predictArrayField(AT, ak, v) {
  const zero = () => Array.from({ length: ak.n }, () => O.zeroOf(ak.elem));
  if (v !== null && typeof v === 'object' && v instanceof AT) {
    return { ok: true, c: decodeArray(ak, Buffer.from(v.buffer.buffer, v.buffer.byteOffset, AT.size), 0) };
  }
  if (typeof v === 'string' && (ak.elem === 'u8' || ak.elem === 'i8')) {
    const b = Buffer.from(v, 'utf8');
    if (b.length + 1 > ak.n) return O.REJECT;
    const c = zero();
    for (let i = 0; i < b.length; i++) c[i] = ak.elem === 'u8' ? BigInt(b[i]) : BigInt.asIntN(8, BigInt(b[i]));
    return { ok: true, c };
  }
  if (v === null || typeof v !== 'object' || typeof v.length !== 'number') return O.REJECT;
  if (v['ref.buffer'] instanceof Uint8Array) return O.ANY; // some other array/struct instance
  if (v.length > ak.n) return O.REJECT;
  const c = zero();
  for (let i = 0; i < v.length; i++) {
    const p = O.convField(ak.elem, v[i]);
    if (!p.ok) return p;
    c[i] = p.c;
  }
  return { ok: true, c };
}

function decodeArray(ak, b, off) {
  const size = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, f64: 8, u64: 8, i64: 8 }[ak.elem];
  const c = [];
  for (let i = 0; i < ak.n; i++) c.push(readScalar(b, off + i * size, ak.elem));
  return c;
}

// Keys that would overwrite an instance's own machinery when copied in.
const RESERVED = new Set(['ref.buffer', 'ref', 'toObject', 'toJSON', 'inspect', 'constructor', '__proto__']);

function zeroAgg(A, ctx) {
  if (A.def.kind === 'union') return { unionBytes: Buffer.alloc(A.type.size) };
  const c = {};
  for (const [f, k] of A.def.fields) {
    const ak = T.arrayKind(k);
    c[f] = ak ? Array.from({ length: ak.n }, () => O.zeroOf(ak.elem)) : T.AGGREGATES[k] ? zeroAgg(ctx.aggs[k], ctx) : O.zeroOf(k);
  }
  return c;
}

function writeScalar(buf, off, kind, c) {
  switch (kind) {
    case 'i8': buf.writeInt8(Number(c), off); break;
    case 'u8': buf.writeUInt8(Number(c), off); break;
    case 'i16': buf.writeInt16LE(Number(c), off); break;
    case 'u16': buf.writeUInt16LE(Number(c), off); break;
    case 'i32': buf.writeInt32LE(Number(c), off); break;
    case 'u32': buf.writeUInt32LE(Number(c), off); break;
    case 'i64': buf.writeBigInt64LE(c, off); break;
    case 'u64': buf.writeBigUInt64LE(c, off); break;
    case 'f32': buf.writeFloatLE(c, off); break;
    case 'f64': buf.writeDoubleLE(c, off); break;
    default: throw new Error('writeScalar ' + kind);
  }
}

function readScalar(buf, off, kind) {
  switch (kind) {
    case 'i8': return BigInt(buf.readInt8(off));
    case 'u8': return BigInt(buf.readUInt8(off));
    case 'i16': return BigInt(buf.readInt16LE(off));
    case 'u16': return BigInt(buf.readUInt16LE(off));
    case 'i32': return BigInt(buf.readInt32LE(off));
    case 'u32': return BigInt(buf.readUInt32LE(off));
    case 'i64': return buf.readBigInt64LE(off);
    case 'u64': return buf.readBigUInt64LE(off);
    case 'f32': return buf.readFloatLE(off);
    case 'f64': return buf.readDoubleLE(off);
    default: throw new Error('readScalar ' + kind);
  }
}

/** C field values decoded from raw memory (offsets from the type; C's sizeof is checked against it per batch). */
function decodeAgg(A, bytes, ctx) {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (A.def.kind === 'union') return { unionBytes: Buffer.from(b.subarray(0, A.type.size)) };
  const c = {};
  for (const [f, k] of A.def.fields) {
    const off = A.type.fields[f].offset;
    if (T.arrayKind(k)) c[f] = decodeArray(T.arrayKind(k), b, off);
    else if (T.AGGREGATES[k]) c[f] = decodeAgg(ctx.aggs[k], b.subarray(off), ctx);
    else if (k === 's') {
      const p = ref.readPointer(b, off);
      c[f] = ref.isNull(p) ? null : Buffer.from(ref.readCString(p, 0), 'utf8');
    } else c[f] = readScalar(b, off, k);
  }
  return c;
}

/** The C checksum of an aggregate from its field values (w_* of fuzz.c). */
function aggWord(A, c, ctx) {
  if (A.def.kind === 'union') {
    const u = Buffer.alloc(8);
    c.unionBytes.copy(u, 0, 0, 8);
    return O.mix(O.H0, u.readBigUInt64LE(0));
  }
  let h = O.H0;
  for (const [f, k] of A.def.fields) {
    const ak = T.arrayKind(k);
    if (ak) for (const x of c[f]) h = O.mix(h, O.word(ak.elem, x));
    else h = O.mix(h, T.AGGREGATES[k] ? aggWord(ctx.aggs[k], c[f], ctx) : O.word(k, c[f]));
  }
  return h;
}

/** Field values C builds in fz_A_make(seed) (mk_* of fuzz.c). */
function madeAgg(A, seed, ctx) {
  const K = (k) => O.mix(seed, BigInt(k));
  if (A.name === 'U1') { const u = Buffer.alloc(8); u.writeBigInt64LE(BigInt.asIntN(64, K(0))); return { unionBytes: u }; }
  if (A.name === 'U2') { const u = Buffer.alloc(8); u.writeDoubleLE(O.fromHashC('f64', K(0))); return { unionBytes: u }; }
  const c = {};
  const leaf = (k, x) => (k === 'f32' || k === 'f64' ? O.fromHashC(k, x) : O.narrow(k, x));
  let i = 0;
  for (const [f, k] of A.def.fields) {
    const ak = T.arrayKind(k);
    if (ak) { c[f] = []; for (let j = 0; j < ak.n; j++) c[f].push(leaf(ak.elem, K(i++))); continue; }
    if (T.AGGREGATES[k]) c[f] = madeAgg(ctx.aggs[k], K(i), ctx);
    else if (k === 's') c[f] = STATIC_STRINGS[Number(K(i) % 5n)];
    else c[f] = leaf(k, K(i));
    i++;
  }
  return c;
}

const STATIC_STRINGS = [null, '', 'static', 'h\u00e9llo \u2713', 'a somewhat longer static string'].map((s) => (s === null ? null : Buffer.from(s, 'utf8')));

/** Compares an instance's fields (read through reffi's getters) with predicted C field values. */
function checkInstance(A, inst, c, ctx, where) {
  if (inst === null || typeof inst !== 'object' || !(inst['ref.buffer'] instanceof Uint8Array)) {
    return where + ': expected a ' + A.name + ' instance, got ' + show(inst);
  }
  if (A.def.kind === 'union') {
    const got = Buffer.from(inst['ref.buffer'].subarray(0, A.type.size));
    return got.equals(c.unionBytes) ? null : where + ': union bytes ' + got.toString('hex') + ' != ' + c.unionBytes.toString('hex');
  }
  for (const [f, k] of A.def.fields) {
    let got;
    try { got = inst[f]; } catch (e) { return where + '.' + f + ': reading threw ' + (e.code || '') + ' ' + e.message; }
    if (T.AGGREGATES[k]) {
      const p = checkInstance(ctx.aggs[k], got, c[f], ctx, where + '.' + f);
      if (p) return p;
      continue;
    }
    const ak = T.arrayKind(k);
    if (ak) {
      if (got === null || typeof got !== 'object' || got.length !== ak.n) return where + '.' + f + ': expected an array of ' + ak.n + ', got ' + show(got);
      for (let j = 0; j < ak.n; j++) {
        let g;
        try { g = got[j]; } catch (e) { return where + '.' + f + '[' + j + ']: reading threw ' + (e.code || '') + ' ' + e.message; }
        const w = ak.elem === 'f32' || ak.elem === 'f64' ? c[f][j] : Number(c[f][j]);
        if (!sameValue(w, g)) return where + '.' + f + '[' + j + ']: expected ' + show(w) + ', got ' + show(g);
      }
      continue;
    }
    let want;
    if (k === 's') want = c[f] === null ? null : Buffer.from(c[f]).toString('utf8');
    else if (k === 'i64' || k === 'u64') want = O.fmt64(c[f]);
    else if (k === 'f32' || k === 'f64') want = c[f];
    else want = Number(c[f]);
    if (!sameValue(want, got)) return where + '.' + f + ': expected ' + show(want) + ', got ' + show(got);
  }
  return null;
}

/** A field value for a struct field of `kind`. */
function fieldValue(rng, kind, ctx, wild) {
  const ak = T.arrayKind(kind);
  if (ak && !wild) {
    const w = rng.int(0, 9);
    if (w === 0 && ak.elem === 'u8') { const s = rng.pick(['', 'a', 'ab', 'abc', '\u00e9']); return V(s, JSON.stringify(s)); }
    const len = w === 1 ? ak.n + 1 : w === 2 ? rng.int(0, ak.n) : ak.n;
    const items = [];
    for (let i = 0; i < len; i++) items.push(fieldValue(rng, ak.elem, ctx, rng.bool(0.05)));
    if (w === 3 && ak.elem === 'f32') return V(new Float64Array(items.map((x) => (typeof x.v === 'number' ? x.v : 0))), 'new Float64Array(...)');
    return V(items.map((x) => x.v), '[' + items.map((x) => x.src).join(', ') + ']', { userThrows: items.some((x) => x.userThrows) });
  }
  if (ak) return Vals.anyValue(rng, ctx, { noMemory: true });
  if (T.AGGREGATES[kind]) return aggValue(rng, ctx.aggs[kind], ctx, wild, 'field');
  if (wild) return Vals.anyValue(rng, ctx, { noMemory: true });
  if (kind === 's') return rng.bool(0.85) ? Vals.fixSrc(Vals.stringValue(rng)) : V(null, 'null');
  if ((kind === 'i8' || kind === 'u8') && rng.bool(0.1)) { const s = rng.pick(['a', 'é', '', 'xy', '\u0100']); return V(s, JSON.stringify(s)); }
  const x = Vals.validValue(rng, kind, ctx);
  if (x.src === null) x.src = Vals.numSrc(x.v);
  return x;
}

function objectOfFields(rng, A, ctx, wild) {
  const obj = {};
  const src = [];
  for (const [f, k] of A.def.fields) {
    if (rng.bool(0.15)) continue; // missing → zero
    const x = fieldValue(rng, k, ctx, wild && rng.bool(0.3));
    obj[f] = x.v;
    src.push(JSON.stringify(f) + ': ' + x.src);
    if (x.userThrows) obj.__userThrows = true;
  }
  if (rng.bool(0.05)) { obj.extra = 1; src.push('extra: 1'); }
  const userThrows = obj.__userThrows === true;
  delete obj.__userThrows;
  return { obj, src: '({ ' + src.join(', ') + ' })', userThrows };
}

/**
 * A value for an aggregate argument (or field): an instance, a plain object
 * of fields, raw memory, an instance of another aggregate type, or anything.
 */
function aggValue(rng, A, ctx, wild, where) {
  const Tsrc = 'AGG.' + A.name;
  const which = wild ? rng.int(0, 9) : rng.int(0, 4);
  switch (which) {
    case 0: case 1: {
      const o = objectOfFields(rng, A, ctx, false);
      const p = predictFromObject(A, o.obj, ctx);
      if (!p.ok) return V(o.obj, o.src, { agg: A.name });
      let inst;
      try { inst = new A.type(o.obj); } catch (_) { return V(o.obj, o.src, { agg: A.name }); }
      return V(inst, 'new ' + Tsrc + '(' + o.src + ')', { agg: A.name, instance: true });
    }
    case 2: case 3: {
      const o = objectOfFields(rng, A, ctx, wild);
      return V(o.obj, o.src, { agg: A.name, userThrows: o.userThrows });
    }
    case 4: {
      // Raw memory of at least the size (pointer fields zeroed: never garbage addresses).
      const n = A.type.size + rng.pick([0, 0, 1, 8]);
      const hasPtr = A.def.fields.some(([, k]) => k === 's');
      const b = hasPtr ? Buffer.alloc(n) : H.pattern(n, n + 1);
      return V(b, hasPtr ? 'Buffer.alloc(' + n + ')' : 'H.pattern(' + n + ', ' + (n + 1) + ')', { agg: A.name, raw: true });
    }
    case 5: {
      const n = rng.int(0, Math.max(0, A.type.size - 1));
      return V(Buffer.alloc(n), 'Buffer.alloc(' + n + ')', { agg: A.name, raw: true });
    }
    case 6: {
      const others = Object.values(ctx.aggs).filter((x) => x.name !== A.name && !x.def.byPointerOnly);
      const B = rng.pick(others);
      return V(new B.type(), 'new AGG.' + B.name + '()', { agg: A.name, otherInstance: B.name });
    }
    default: {
      // Raw memory as an aggregate with a char * field would hand C a garbage pointer: never.
      const hasPtr = A.def.fields.some(([, k]) => k === 's');
      const x = Vals.anyValue(rng, ctx, { noMemory: where === 'field' || hasPtr });
      x.agg = A.name;
      return x;
    }
  }
}

/** Prediction for an aggregate value given by value (argument or field). */
function predictAggValue(A, X, ctx) {
  const v = X.v;
  if (X.userThrows) return O.USER;
  if (v === null || (typeof v !== 'object')) return O.REJECT;
  if (v instanceof A.type) {
    if (v['ref.buffer'].length < A.type.size) return O.ANY;
    return { ok: true, c: decodeAgg(A, v['ref.buffer'], ctx) };
  }
  if (v instanceof Uint8Array) {
    if (X.detached || v.length < A.type.size) return O.REJECT;
    return { ok: true, c: decodeAgg(A, v, ctx) };
  }
  if (v['ref.buffer'] instanceof Uint8Array && typeof v.constructor === 'function') return O.REJECT; // another type's instance
  return predictFromObject(A, v, ctx);
}

// ---- the batch: bindings ------------------------------------------------------------------------

/** Binds every function of the table, with type spellings drawn from `rng`. */
function bindAll(rng, libPath) {
  const lib = new ffi.DynamicLibrary(libPath, ffi.FLAGS.RTLD_NOW);
  const fns = {};
  const spell = {};
  const bind = (entry, key) => {
    const ret = rng.pick(SPELL[entry.ret]);
    const args = entry.args.map((k) => rng.pick(SPELL[k]));
    fns[key || entry.name] = ffi.ForeignFunction(lib.get(entry.name), ret, args);
    spell[key || entry.name] = { ret, args };
  };
  for (const e of T.mixSignatures()) bind(e);
  for (const e of T.scalarFunctions()) bind(e);
  for (const e of [
    { name: 'fz_last', ret: 'u64', args: [] },
    { name: 'fz_buf_hash', ret: 'u64', args: ['p', 'u64'] },
    { name: 'fz_buf_fill', ret: 'i64', args: ['p', 'u64', 'u32'] },
    { name: 'fz_str_hash', ret: 'u64', args: ['s'] },
    { name: 'fz_str_len', ret: 'i64', args: ['s'] },
    { name: 'fz_str_static', ret: 's', args: ['u32'] },
    { name: 'fz_str3', ret: 'u64', args: ['s', 'i32', 's', 's'] },
  ]) bind(e);
  return { lib, fns, spell };
}

function bindAggregates(lib, aggs) {
  const fns = {};
  const notes = [];
  const agg = (n) => aggs[n].type;
  for (const A of Object.values(aggs)) {
    const n = A.name;
    const t = A.type;
    const P = ref.refType(t);
    const def = (name, ret, args) => {
      try {
        fns[name] = ffi.ForeignFunction(lib.get(name), ret, args);
      } catch (e) {
        if (!A.def.byPointerOnly) notes.push(name + ': cannot bind (' + (e.code || '') + ' ' + e.message + ')');
      }
    };
    def('fz_' + n + '_hash_ptr', 'uint64', [P, 'size_t']);
    def('fz_' + n + '_fill', 'int32', [rngPickPtr(n, P), 'size_t', 'uint64']);
    def('fz_' + n + '_sizeof', 'uint32', []);
    if (!A.def.byPointerOnly) {
      def('fz_' + n + '_hash', 'uint64', [t]);
      def('fz_' + n + '_make', t, ['uint64']);
      def('fz_' + n + '_echo', t, [t]);
    }
  }
  if (aggs.S1 && aggs.S2 && aggs.S3 && aggs.S4) {
    try {
      fns.fz_agg_mix = ffi.ForeignFunction(lib.get('fz_agg_mix'), 'uint64',
        ['int8', agg('S2'), 'float', agg('S1'), 'double', agg('S4'), 'string', agg('S3'), 'uint64']);
    } catch (e) { notes.push('fz_agg_mix: cannot bind (' + (e.code || '') + ' ' + e.message + ')'); }
  }
  return { fns, notes };
}

function rngPickPtr(n, P) {
  return n.charCodeAt(1) % 2 ? 'pointer' : P;
}

module.exports = {
  SPELL, spellSrc, sameValue, show, compare, combine, buildAggregates, predictFromObject, predictAggValue,
  decodeAgg, aggWord, madeAgg, checkInstance, aggValue, fieldValue, bindAll, bindAggregates, STATIC_STRINGS,
  readScalar, writeScalar, RESERVED,
};
