'use strict';
// A fuzz batch: binds test/native/fuzz.c (type spellings drawn from the
// batch seed) and makes case number i from its own PRNG (seed, i), so any
// case can be replayed alone. A case is
//   { family, label, src, exec() → value | Promise, expect, check(value) → problem | null, expectCode? }
// and `judge` turns its outcome into a finding or null.

const fs = require('fs');
const os = require('os');
const path = require('path');

const ffi = require('../../lib/ffi');
const ref = require('../../lib/ref');
const native = require('../../lib/internal/native');
const { CLASSES } = require('../../lib/internal/errors');
const { Rng } = require('./rng');
const O = require('./oracle');
const Vals = require('./values');
const H = require('./helpers');
const T = require('./table');
const C = require('./calls');
const spec = require('./spec');
const known = require('./known');

const { V } = Vals;

function libPath() {
  return process.env.REFFI_FUZZ_LIB || require('../native/build.js').libPath('fuzz');
}

/** A private copy of libfuzz.so, so closing it really unmaps it (a call after close would crash). */
function closableCopy() {
  const p = path.join(os.tmpdir(), 'reffi-fuzz-closable-' + process.pid + '.so');
  if (!fs.existsSync(p)) fs.copyFileSync(libPath(), p);
  process.once('exit', () => { try { fs.unlinkSync(p); } catch (_) { /* gone */ } });
  return p;
}

const MIX = T.mixSignatures();
const SCALARS = T.scalarFunctions();
const NEUTRAL = {
  b: () => V(false, 'false'), i8: () => V(0, '0'), u8: () => V(0, '0'), i16: () => V(0, '0'), u16: () => V(0, '0'),
  i32: () => V(0, '0'), u32: () => V(0, '0'), i64: () => V(0, '0'), u64: () => V(0, '0'), f32: () => V(0, '0'),
  f64: () => V(0, '0'), p: () => V(null, 'null'), s: () => V(null, 'null'),
};

class Batch {
  /**
   * @param {number} seed batch seed
   * @param {object} opts { avoidKnown: bool, families: weights override }
   */
  constructor(seed, opts) {
    this.seed = seed >>> 0;
    this.opts = opts || {};
    this.setupProblems = [];
    const rng = new Rng(this.seed, 0xb17d);
    const b = C.bindAll(rng, libPath());
    this.lib = b.lib;
    this.fns = b.fns;
    this.spell = b.spell;
    const ag = C.buildAggregates();
    this.aggs = ag.aggs;
    this.notes = ag.notes.slice();
    const ba = C.bindAggregates(this.lib, this.aggs);
    this.aggFns = ba.fns;
    this.notes.push(...ba.notes);
    this.bindCallbackFunctions();
    this.ctx = { aggs: this.aggs, structValue: (r) => this.structValue(r) };
    this.checkSetup();
  }

  bindCallbackFunctions() {
    this.cbP = {};
    this.cbF = {};
    this.cbTypes = {};
    for (const e of T.CALLBACK_FUNCTIONS) {
      const sig = (k) => (T.AGGREGATES[k] ? (this.aggs[k] && this.aggs[k].type) : C.SPELL[k][0]);
      const cbRet = sig(e.cb.ret);
      const cbArgs = e.cb.args.map(sig);
      const ret = sig(e.ret);
      const rest = e.args.slice(1).map(sig);
      if ([cbRet, ret].concat(cbArgs, rest).some((x) => x === undefined)) continue;
      try {
        const FT = ffi.Function(cbRet, cbArgs);
        this.cbTypes[e.name] = { ret: cbRet, args: cbArgs };
        this.cbP[e.name] = ffi.ForeignFunction(this.lib.get(e.name), ret, ['pointer'].concat(rest));
        this.cbF[e.name] = ffi.ForeignFunction(this.lib.get(e.name), ret, [FT].concat(rest));
      } catch (err) {
        this.notes.push(e.name + ': cannot bind (' + (err.code || '') + ' ' + err.message + ')');
      }
    }
  }

  /** Checks that the compiled library matches the table, and aggregate sizes match C's sizeof. */
  checkSetup() {
    const count = ffi.ForeignFunction(this.lib.get('fz_mix_count'), 'uint32', [])();
    const sigOf = ffi.ForeignFunction(this.lib.get('fz_mix_sig'), 'string', ['uint32']);
    if (count !== MIX.length) this.setupProblems.push('fz_mix_count() is ' + count + ', the table has ' + MIX.length + ' (rebuild fuzz.c)');
    for (let k = 0; k < Math.min(count, MIX.length); k++) {
      const want = MIX[k].ret + '(' + MIX[k].args.join(',') + ')';
      if (sigOf(k) !== want) { this.setupProblems.push('fz_mix_' + k + ' is ' + sigOf(k) + ' in C, ' + want + ' in the table'); break; }
    }
    for (const A of Object.values(this.aggs)) {
      const f = this.aggFns['fz_' + A.name + '_sizeof'];
      if (f && f() !== A.type.size) this.setupProblems.push(A.name + ': C sizeof is ' + f() + ', reffi says ' + A.type.size);
    }
    // A packed struct with a misaligned field cannot go by value: binding must say so with a code.
    if (this.aggs.S7) {
      try {
        ffi.ForeignFunction(this.lib.get('fz_S7_hash'), 'uint64', [this.aggs.S7.type]);
        this.setupProblems.push('binding fz_S7_hash (a misaligned packed struct by value) did not throw');
      } catch (e) {
        if (!isCoded(e)) this.setupProblems.push('binding fz_S7_hash threw an uncoded error: ' + e.message);
      }
    }
  }

  structValue(rng) {
    const names = Object.keys(this.aggs);
    if (names.length === 0) return V(Buffer.alloc(4), 'Buffer.alloc(4)');
    const A = this.aggs[rng.pick(names)];
    return V(new A.type(), 'new AGG.' + A.name + '()', { nulTerminated: true });
  }

  /** Case number `index`; `neutral` (a Set of argument positions) replaces those arguments by neutral values. */
  makeCase(index, neutral) {
    const rng = new Rng(this.seed, index + 1);
    const w = Object.assign({ mix: 40, id: 8, ret: 5, buf: 7, str: 5, agg: 12, cb: 12, life: 1, count: 2, spec: 8 }, this.opts.weights || {});
    const family = rng.weighted(Object.entries(w).map(([k, x]) => [x, k]));
    const mk = { mix: mixCase, id: idCase, ret: retCase, buf: bufCase, str: strCase, agg: aggCase, cb: cbCase, life: lifeCase, count: countCase, spec: specCase }[family];
    const c = mk(rng, this, new ArgDrawer(rng, this, neutral));
    c.family = family;
    c.index = index;
    if (this.opts.avoidKnown) {
      const k = known.avoid(c, this);
      if (k) return { family, index, skipped: k, label: c.label };
    }
    return c;
  }
}

/** Draws arguments; positions in `neutral` get a neutral value (used to reduce a crashing case). */
class ArgDrawer {
  constructor(rng, batch, neutral) {
    this.rng = rng;
    this.batch = batch;
    this.neutral = neutral || new Set();
    this.i = 0;
    this.wildCase = rng.bool(0.5);
  }
  next(kind, draw) {
    const i = this.i++;
    const x = draw ? draw() : Vals.argValue(this.rng, kind, this.batch.ctx, this.wildCase && this.rng.bool(0.3));
    if (this.neutral.has(i) && NEUTRAL[kind]) return NEUTRAL[kind]();
    return x;
  }
}

// ---- modes ------------------------------------------------------------------------------------------

function pickMode(rng) {
  return rng.weighted([[95, 'sync'], [3, 'promise'], [2, 'callback']]);
}

function invoke(fn, args, mode) {
  if (mode === 'sync') return fn(...args);
  if (mode === 'promise') return fn.async(...args);
  return new Promise((resolve, reject) => {
    fn.async(...args, (err, val) => (err ? reject(err) : resolve(val)));
  });
}

function callSrc(fname, args, mode) {
  const a = args.map((x) => x.src);
  if (mode === 'sync') return fname + '(' + a.join(', ') + ')';
  if (mode === 'promise') return 'await ' + fname + '.async(' + a.join(', ') + ')';
  return 'await new Promise((res, rej) => ' + fname + '.async(' + a.concat('(e, v) => (e ? rej(e) : res(v))').join(', ') + '))';
}

function bindSrc(batch, name) {
  const s = batch.spell[name];
  return 'const ' + name + ' = ffi.ForeignFunction(lib.get(' + JSON.stringify(name) + '), ' + C.spellSrc(s.ret) +
    ', [' + s.args.map(C.spellSrc).join(', ') + ']);';
}

// ---- families ---------------------------------------------------------------------------------------

function hashArgs(kinds, cs) {
  let h = O.H0;
  kinds.forEach((k, i) => { h = O.mix(h, O.word(k, cs[i])); });
  return O.mix(h, BigInt(kinds.length));
}

function mixCase(rng, batch, draw) {
  const sig = rng.pick(MIX);
  const args = sig.args.map((k) => draw.next(k));
  const mode = pickMode(rng);
  const fn = batch.fns[sig.name];
  const expect = C.combine(sig.args.map((k, i) => O.convArg(k, args[i])));
  const c = {
    label: sig.name + ' ' + sig.ret + '(' + sig.args.join(',') + ') ' + mode,
    src: [bindSrc(batch, sig.name), callSrc(sig.name, args, mode)],
    args, kinds: sig.args, fname: sig.name,
    exec: () => invoke(fn, args.map((x) => x.v), mode),
    expect,
  };
  if (expect.kind === 'ok') {
    const h = hashArgs(sig.args, expect.c);
    c.check = (res) => {
      if (sig.ret === 'v') {
        if (res !== null && res !== undefined) return 'a void function returned ' + C.show(res);
        const last = batch.fns.fz_last();
        return C.sameValue(last, O.fmt64(h)) ? null : 'fz_last() is ' + C.show(last) + ', expected ' + C.show(O.fmt64(h));
      }
      return C.compare(O.expectReturn(sig.ret, O.fromHashC(sig.ret, h)), res);
    };
  }
  return c;
}

function simpleCase(batch, name, kinds, args, mode, expectFn) {
  const fn = batch.fns[name];
  const expect = C.combine(kinds.map((k, i) => O.convArg(k, args[i])));
  const c = {
    label: name + ' ' + mode,
    src: [bindSrc(batch, name), callSrc(name, args, mode)],
    args, kinds, fname: name,
    exec: () => invoke(fn, args.map((x) => x.v), mode),
    expect,
  };
  if (expect.kind === 'ok') c.check = expectFn(expect.c);
  return c;
}

function idCase(rng, batch, draw) {
  const e = rng.pick(SCALARS.filter((s) => s.family === 'id'));
  const k = e.ret;
  const args = [draw.next(k)];
  return simpleCase(batch, e.name, [k], args, pickMode(rng), (cs) => (res) => {
    if (k === 's') return C.compare({ string: cs[0] }, res);
    return C.compare(O.expectReturn(k, cs[0]), res);
  });
}

function retCase(rng, batch, draw) {
  const e = rng.pick(SCALARS.filter((s) => s.family === 'ret' || s.family === 'retbits'));
  const args = [draw.next(e.args[0])];
  return simpleCase(batch, e.name, e.args, args, pickMode(rng), (cs) => (res) => {
    if (e.family === 'ret') return C.compare(O.expectReturn(e.ret, O.narrow(e.ret, cs[0])), res);
    let want;
    if (e.ret === 'f32') { const b = Buffer.alloc(4); b.writeUInt32LE(Number(cs[0])); want = b.readFloatLE(0); }
    else { const b = Buffer.alloc(8); b.writeBigUInt64LE(cs[0]); want = b.readDoubleLE(0); }
    return C.compare({ value: want }, res);
  });
}

/** Bytes really behind a pointer value (its view), or null. */
function memoryOf(x) {
  if (x.userThrows) return null;
  if (x.detached) return new Uint8Array(0);
  const v = x.v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (v !== null && typeof v === 'object' && !x.userThrows && v['ref.buffer'] instanceof Uint8Array) return memoryOf({ v: v['ref.buffer'] });
  return null;
}

/** A byte count n <= the memory's size, written as a Number, BigInt or numeric string. */
function sizeArg(rng, n) {
  const f = rng.int(0, 4);
  if (f === 0) return V(BigInt(n), n + 'n');
  if (f === 1) return V(String(n), JSON.stringify(String(n)));
  if (f === 2) return V('0x' + n.toString(16), JSON.stringify('0x' + n.toString(16)));
  return V(n, String(n));
}

function bufCase(rng, batch, draw) {
  const fill = rng.bool();
  const name = fill ? 'fz_buf_fill' : 'fz_buf_hash';
  const p = draw.next('p');
  const pp = O.convArg('p', p);
  const mem = pp.ok ? memoryOf(p) : null;
  let n;
  if (pp.ok && pp.c !== 0 && mem) n = rng.bool(0.7) ? mem.length : rng.int(0, mem.length);
  else n = pp.ok && pp.c !== 0 ? 0 : rng.int(0, 3);
  const nArg = draw.next('u64', () => sizeArg(rng, n));
  const args = [p, nArg];
  const kinds = ['p', 'u64'];
  const seed = rng.int(0, 1000);
  if (fill) { args.push(V(seed, String(seed))); kinds.push('u32'); }
  const mode = pickMode(rng);
  const before = mem ? Buffer.from(mem) : null;
  return simpleCase(batch, name, kinds, args, mode, (cs) => (res) => {
    const addr = cs[0];
    const nn = Number(cs[1]);
    if (!fill) {
      let want;
      if (addr === 0) want = nn === 0 ? 0x5eedn : 0x5eed0001n;
      else want = BigInt(O.fnv32(mem.subarray(0, nn))) | (BigInt(nn) << 32n);
      return C.compare({ value: O.fmt64(want) }, res);
    }
    if (addr === 0) return C.compare({ value: -1 }, res);
    const r = C.compare({ value: nn }, res);
    if (r) return r;
    for (let i = 0; i < mem.length; i++) {
      const want = i < nn ? (seed + 31 * i) & 255 : before[i];
      if (mem[i] !== want) return 'byte ' + i + ' of the ' + mem.length + '-byte memory is ' + mem[i] + ', expected ' + want + ' (n = ' + nn + ')';
    }
    return null;
  });
}

const STATIC = [null, '', 'static', 'h\u00e9llo \u2713', 'a somewhat longer static string'];

function strCase(rng, batch, draw) {
  const which = rng.int(0, 3);
  const mode = pickMode(rng);
  if (which === 0) {
    return simpleCase(batch, 'fz_str_hash', ['s'], [draw.next('s')], mode, (cs) => (res) => C.compare({ value: O.fmt64(O.strw(cs[0])) }, res));
  }
  if (which === 1) {
    return simpleCase(batch, 'fz_str_len', ['s'], [draw.next('s')], mode, (cs) => (res) => C.compare({ value: cs[0] === null ? -1 : cs[0].length }, res));
  }
  if (which === 2) {
    return simpleCase(batch, 'fz_str_static', ['u32'], [draw.next('u32')], mode, (cs) => (res) => C.compare({ string: STATIC[Number(cs[0] % 5n)] }, res));
  }
  const kinds = ['s', 'i32', 's', 's'];
  const args = kinds.map((k) => draw.next(k));
  return simpleCase(batch, 'fz_str3', kinds, args, mode, (cs) => (res) => {
    let h = O.H0;
    kinds.forEach((k, i) => { h = O.mix(h, O.word(k, cs[i])); });
    return C.compare({ value: O.fmt64(h) }, res);
  });
}

// ---- aggregates ---------------------------------------------------------------------------------------

function aggCase(rng, batch, draw) {
  const all = Object.values(batch.aggs);
  if (all.length === 0) return mixCase(rng, batch, draw);
  const A = rng.pick(all);
  const byValue = !A.def.byPointerOnly;
  const op = rng.pick(byValue ? ['hash', 'hash', 'hash_ptr', 'make', 'echo', 'fill', 'mix'] : ['hash_ptr', 'fill']);
  const mode = pickMode(rng);
  const name = 'fz_' + A.name + '_' + op;
  const ctx = batch.ctx;
  const fnOf = (n) => batch.aggFns[n];
  const aggSrc = (n, args) => callSrc('F.' + n, args, mode);

  if (op === 'mix') {
    if (!fnOf('fz_agg_mix')) return mixCase(rng, batch, draw);
    const kinds = ['i8', 'S2', 'f32', 'S1', 'f64', 'S4', 's', 'S3', 'u64'];
    const args = kinds.map((k) => (T.AGGREGATES[k] ? draw.next('p', () => C.aggValue(rng, batch.aggs[k], ctx, draw.wildCase && rng.bool(0.3))) : draw.next(k)));
    const preds = kinds.map((k, i) => (T.AGGREGATES[k] ? C.predictAggValue(batch.aggs[k], args[i], ctx) : O.convArg(k, args[i])));
    const expect = C.combine(preds);
    const c = { label: 'fz_agg_mix ' + mode, src: [aggSrc('fz_agg_mix', args)], args, exec: () => invoke(fnOf('fz_agg_mix'), args.map((x) => x.v), mode), expect };
    if (expect.kind === 'ok') {
      let h = O.H0;
      kinds.forEach((k, i) => { h = O.mix(h, T.AGGREGATES[k] ? C.aggWord(batch.aggs[k], expect.c[i], ctx) : O.word(k, expect.c[i])); });
      c.check = (res) => C.compare({ value: O.fmt64(h) }, res);
    }
    return c;
  }
  const fn = fnOf(name);
  if (!fn) return mixCase(rng, batch, draw);

  if (op === 'hash' || op === 'echo') {
    if (op === 'echo' && A.name === 'S6') return aggCase(rng, batch, draw); // see docs/reliability.md: echoed char* lifetime
    const X = draw.next('p', () => C.aggValue(rng, A, ctx, draw.wildCase));
    const expect = C.combine([C.predictAggValue(A, X, ctx)]);
    const c = { label: name + ' ' + mode, src: [aggSrc(name, [X])], args: [X], exec: () => invoke(fn, [X.v], mode), expect };
    if (expect.kind === 'ok') {
      const fields = expect.c[0];
      c.check = op === 'hash'
        ? (res) => C.compare({ value: O.fmt64(C.aggWord(A, fields, ctx)) }, res)
        : (res) => C.checkInstance(A, res, fields, ctx, 'echo');
    }
    return c;
  }
  if (op === 'make') {
    const s = draw.next('u64');
    const expect = C.combine([O.convArg('u64', s)]);
    const c = { label: name + ' ' + mode, src: [aggSrc(name, [s])], args: [s], exec: () => invoke(fn, [s.v], mode), expect };
    if (expect.kind === 'ok') c.check = (res) => C.checkInstance(A, res, C.madeAgg(A, expect.c[0], ctx), ctx, 'make');
    return c;
  }
  // hash_ptr / fill: memory with its size
  const hasPtr = A.def.fields.some(([, k]) => k === 's' || (T.AGGREGATES[k] && T.AGGREGATES[k].fields.some(([, kk]) => kk === 's')));
  const p = draw.next('p', () => {
    const w = rng.int(0, 9);
    if (w <= 3) return V(new A.type(), 'new AGG.' + A.name + '()');
    if (w <= 5) { const n = Math.max(0, A.type.size + rng.int(-3, 8)); return V(Buffer.alloc(n), 'Buffer.alloc(' + n + ')'); }
    if (w === 6) return V(null, 'null');
    if (hasPtr) return V(ref.NULL, 'ref.NULL');
    if (w === 7) { const n = A.type.size + rng.int(0, 4); return V(H.pattern(n, 9), 'H.pattern(' + n + ', 9)'); }
    return Vals.argValue(rng, 'p', ctx, draw.wildCase);
  });
  const pp = O.convArg('p', p);
  const mem = pp.ok ? memoryOf(p) : null;
  if (pp.ok && pp.c !== 0 && !mem) return mixCase(rng, batch, draw);
  const avail = mem ? (rng.bool(0.8) ? mem.length : rng.int(0, mem.length)) : rng.int(0, 64);
  const args = [p, draw.next('u64', () => sizeArg(rng, avail))];
  const kinds = ['p', 'u64'];
  if (op === 'fill') { args.push(draw.next('u64')); kinds.push('u64'); }
  const expect = C.combine(kinds.map((k, i) => O.convArg(k, args[i])));
  const c = { label: name + ' ' + mode, src: [aggSrc(name, args)], args, exec: () => invoke(fn, args.map((x) => x.v), mode), expect };
  if (expect.kind === 'ok') {
    const [addr, nBig] = expect.c;
    const n = Number(nBig);
    if (op === 'hash_ptr') {
      c.check = (res) => {
        let want;
        if (addr === 0) want = 1n;
        else if (n < A.type.size) want = 2n;
        else want = C.aggWord(A, C.decodeAgg(A, mem, ctx), ctx);
        return C.compare({ value: O.fmt64(want) }, res);
      };
    } else {
      const seed = expect.c[2];
      c.check = (res) => {
        if (addr === 0) return C.compare({ value: -1 }, res);
        if (n < A.type.size) return C.compare({ value: 0 }, res);
        const r = C.compare({ value: 1 }, res);
        if (r) return r;
        const got = C.aggWord(A, C.decodeAgg(A, mem, ctx), ctx);
        const want = C.aggWord(A, C.madeAgg(A, seed, ctx), ctx);
        return got === want ? null : 'the filled ' + A.name + ' does not hold fz_' + A.name + '_make(' + seed + ')';
      };
    }
  }
  return c;
}

// ---- callbacks ----------------------------------------------------------------------------------------

/** What C receives when a callback of return kind `kind` returns V (lib/ffi.js retToC rules). */
function convCbRet(kind, X, batch) {
  const v = X.v;
  if (X.userThrows) return O.USER;
  if (T.AGGREGATES[kind]) {
    const A = batch.aggs[kind];
    if (v !== null && typeof v === 'object' && v['ref.buffer'] instanceof Uint8Array) {
      if (!(v instanceof A.type)) return O.REJECT; // another type's instance
    }
    return C.predictAggValue(A, X, batch.ctx);
  }
  if (v === undefined || v === null) {
    if (kind === 'p' || kind === 's') return { ok: true, c: kind === 's' ? null : 0 };
    return { ok: true, c: kind === 'f32' || kind === 'f64' ? 0 : kind === 'b' ? false : 0n };
  }
  if (kind === 's' && typeof v === 'string') return { ok: true, c: O.cutAtNul(Buffer.from(v, 'utf8')) };
  if (kind === 's') {
    const p = O.convPointer(X);
    if (!p.ok) return p;
    if (p.c === 0) return { ok: true, c: null };
    const mem = memoryOf(X);
    if (!X.nulTerminated || !mem) return O.ANY;
    return { ok: true, c: O.cutAtNul(mem) };
  }
  if (kind === 'p') return O.convPointer(X);
  if (kind === 'b') return typeof v === 'boolean' || typeof v === 'number' ? { ok: true, c: Boolean(v) } : O.REJECT;
  return O.convArg(kind, X);
}

function cbRetValue(rng, kind, batch, wild) {
  if (T.AGGREGATES[kind]) return C.aggValue(rng, batch.aggs[kind], batch.ctx, wild);
  let x;
  if (wild) x = Vals.anyValue(rng, batch.ctx, { noMemory: kind !== 'p' });
  else if (kind === 's') {
    x = Vals.validValue(rng, 's', batch.ctx);
  } else x = Vals.argValue(rng, kind, batch.ctx, false);
  if (x.detached) x = V(null, 'null'); // see known.js: detached Buffers
  if (typeof x.v === 'function') x = V(1, '1');
  if (x.src === null) x.src = Vals.numSrc(x.v);
  return x;
}

const I32 = (b) => BigInt.asIntN(32, BigInt(b));

function zeroRet(kind, batch) {
  if (T.AGGREGATES[kind]) return C.decodeAgg(batch.aggs[kind], Buffer.alloc(batch.aggs[kind].type.size), batch.ctx);
  if (kind === 's') return null;
  if (kind === 'p') return 0;
  if (kind === 'f32' || kind === 'f64') return 0;
  return 0n;
}

/** Per function: the JS implementation for 'ok', what it must receive, the C result from the callback's C return. */
const CB = {
  fz_cb_i32: {
    impl: (rec) => (a, b) => { rec.push([a, b]); return (a ^ 0x5a5a) | 0; },
    okRet: (cs) => BigInt((Number(cs[0]) ^ 0x5a5a) | 0),
    recv: (cs) => [[Number(cs[0]), cs[1]]],
    result: (r) => ({ value: Number(I32(BigInt.asUintN(32, r) * 3n + 1n)) }),
    nullResult: { value: -1 },
  },
  fz_cb_f64: {
    impl: (rec) => (x) => { rec.push([x]); return x + 1; },
    okRet: (cs) => cs[0] + 1,
    recv: (cs) => [[cs[0]]],
    result: (r) => ({ value: r * 2 }),
    nullResult: { value: -1 },
  },
  fz_cb_twice: {
    impl: (rec) => (y) => { rec.push([y]); return Math.imul(y, 3); },
    okRet: (cs) => [BigInt(Math.imul(Number(cs[0]), 3)), BigInt(Math.imul((Number(cs[0]) + 1) | 0, 3))],
    recv: (cs) => [[Number(cs[0])], [(Number(cs[0]) + 1) | 0]],
    result: (r) => (Array.isArray(r)
      ? { value: Number(I32(BigInt.asUintN(32, r[0]) + BigInt.asUintN(32, r[1]))) }
      : { value: Number(I32(BigInt.asUintN(32, r) * 2n)) }),
    nullResult: { value: -1 },
  },
  fz_cb_str: {
    impl: (rec) => (s) => { rec.push([s]); return s === null ? 0 : O.fnv32(Buffer.from(s, 'utf8')) | 0; },
    okRet: (cs) => (cs[0] === null ? 0n : BigInt(O.fnv32(Buffer.from(Buffer.from(cs[0]).toString('utf8'), 'utf8')) | 0)),
    recv: (cs) => [[cs[0] === null ? null : Buffer.from(cs[0]).toString('utf8')]],
    result: (r, cs) => ({ value: Number(I32(BigInt.asUintN(32, r) ^ BigInt(cs[0] === null ? 0 : O.fnv32(cs[0])))) }),
    nullResult: { value: -1 },
  },
  fz_cb_ret_str: {
    impl: (rec) => (k) => { rec.push([k]); return ['one', '', 'tw\u00f6', null][k & 3]; },
    okRet: (cs) => { const s = ['one', '', 'tw\u00f6', null][Number(cs[0]) & 3]; return s === null ? null : Buffer.from(s, 'utf8'); },
    recv: (cs) => [[Number(cs[0])]],
    result: (r) => ({ value: O.fmt64(O.strw(r)) }),
    nullResult: { value: 1 },
    noMismatch: true, // C reads the returned char *
  },
  fz_cb_ptr: {
    impl: (rec) => (p) => { rec.push([p]); return p; },
    okRet: (cs) => cs[0],
    recv: (cs) => [[{ address: cs[0] }]],
    result: (r) => ({ address: r }),
    nullResult: { address: 0 },
  },
  fz_cb_nested: {
    impl: null, // built per case (nested calls)
    okRet: (cs) => BigInt((Number(cs[1]) + 1) | 0),
    recv: (cs) => [[Number(cs[1])]],
    result: (r) => ({ value: Number(I32(r)) }),
    nullResult: { value: -1 },
  },
  fz_cb_scalars: {
    impl: (rec) => (...a) => { rec.push(a); return scalarsHash(a); },
    okRet: (cs) => scalarsExpected(cs[0]).h,
    recv: (cs) => [scalarsExpected(cs[0]).recv],
    result: (r, cs) => ({ value: O.fmt64(BigInt.asUintN(64, r) ^ scalarsExpected(cs[0]).h) }),
    nullResult: { value: 1 },
  },
  fz_cb_s2: {
    impl: null, // needs the S2 type
    okRet: null,
    recv: null,
    result: null,
    nullResult: { value: 1 },
  },
  fz_cb_ret_s1: {
    impl: (rec) => (k) => { rec.push([k]); return { a: k & 0x3f, b: k }; },
    okRet: null,
    recv: (cs) => [[Number(cs[0])]],
    result: null,
    nullResult: { value: 1 },
  },
};

const GOLDEN = 0x9e3779b97f4a7c15n;
function inverse64(a) {
  // Newton iteration for the inverse of an odd number modulo 2^64.
  let x = a;
  for (let i = 0; i < 6; i++) x = BigInt.asUintN(64, x * (2n - BigInt.asUintN(64, a * x)));
  return x;
}
const GOLDEN_INV = inverse64(GOLDEN);
const SCALARS_EDGE_SEEDS = [2n ** 53n, -(2n ** 53n), 2n ** 53n + 1n, 2n ** 53n - 1n, -(2n ** 53n) - 1n]
  .map((v) => BigInt.asUintN(64, BigInt.asUintN(64, v) * GOLDEN_INV))
  .concat([2n ** 53n, 2n ** 53n + 1n].map((v) => v ^ 0xa5a5a5a5a5a5a5a5n));

const SC_KINDS = ['b', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64'];

function scalarsExpected(x) {
  const c = [
    ((x >> 3n) & 1n) === 1n, BigInt.asIntN(8, x), BigInt.asUintN(8, x >> 8n), BigInt.asIntN(16, x >> 4n),
    BigInt.asUintN(16, x >> 20n), BigInt.asIntN(32, x >> 7n), BigInt.asUintN(32, x >> 29n),
    BigInt.asIntN(64, x * 0x9e3779b97f4a7c15n), x ^ 0xa5a5a5a5a5a5a5a5n, O.fromHashC('f32', x), O.fromHashC('f64', x),
  ];
  let h = O.H0;
  SC_KINDS.forEach((k, i) => { h = O.mix(h, O.word(k, c[i])); });
  const recv = c.map((v, i) => {
    const k = SC_KINDS[i];
    if (k === 'b') return v;
    if (k === 'i64' || k === 'u64') return O.fmt64(v);
    if (k === 'f32' || k === 'f64') return v;
    return Number(v);
  });
  return { h, recv };
}

/** The checksum a callback computes from what it received (the JS side of fz_cb_scalars). */
function scalarsHash(a) {
  let h = O.H0;
  SC_KINDS.forEach((k, i) => {
    let c = a[i];
    if (k === 'b') c = Boolean(c);
    else if (k !== 'f32' && k !== 'f64') c = BigInt(c);
    h = O.mix(h, O.word(k, c));
  });
  return h;
}

function checkRecv(rec, want) {
  if (rec.length !== want.length) return 'the callback ran ' + rec.length + ' time(s), expected ' + want.length;
  for (let i = 0; i < want.length; i++) {
    for (let j = 0; j < want[i].length; j++) {
      const w = want[i][j];
      const g = rec[i][j];
      if (w !== null && typeof w === 'object' && 'address' in w) {
        if (!(g instanceof Uint8Array) || ref.address(g) !== w.address) return 'callback argument ' + j + ': expected a pointer to ' + w.address + ', got ' + C.show(g);
      } else if (!C.sameValue(w, g)) return 'callback call ' + i + ' argument ' + j + ': expected ' + C.show(w) + ', got ' + C.show(g);
    }
  }
  return null;
}

function cbCase(rng, batch, draw) {
  const entries = T.CALLBACK_FUNCTIONS.filter((e) => batch.cbP[e.name]);
  if (entries.length === 0) return mixCase(rng, batch, draw);
  const e = rng.pick(entries);
  const info = CB[e.name];
  const fnType = rng.bool();
  const fn = fnType ? batch.cbF[e.name] : batch.cbP[e.name];
  const mode = rng.weighted([[88, 'sync'], [8, 'promise'], [4, 'callback']]);
  const restKinds = e.args.slice(1);
  const rest = restKinds.map((k) => draw.next(k));
  if (e.name === 'fz_cb_scalars' && rng.bool(0.15)) {
    // Seeds whose int64 / uint64 arguments are right at the Number/string boundary (+-2^53, 2^53 + 1).
    const x = rng.pick(SCALARS_EDGE_SEEDS);
    rest[0] = V(x, x + 'n');
  }
  const restPred = restKinds.map((k, i) => O.convArg(k, rest[i]));
  const sig = batch.cbTypes[e.name];
  const rec = [];
  const behaviours = [[40, 'ok'], [18, 'ret'], [6, 'null'], [8, 'jsfn']];
  if (mode === 'sync') {
    behaviours.push([5, 'throws'], [5, 'released'], [6, 'wild']);
    if (e.name === 'fz_cb_twice') behaviours.push([4, 'selfrelease']);
  }
  if (!info.noMismatch) behaviours.push([4, 'mismatch']);
  let beh = rng.weighted(behaviours);
  const S2 = batch.aggs.S2;
  const S1 = batch.aggs.S1;
  const cs = restPred.every((p) => p.ok) ? restPred.map((p) => p.c) : null;

  // The JS function behind the callback and the callback's C-level return.
  let impl;
  let cRet; // prediction of what C gets back from the callback
  let nested = null;
  if (e.name === 'fz_cb_nested') {
    nested = nestedWork(rng, batch);
    impl = (r) => (x) => { r.push([x]); nested.run(); return (x + 1) | 0; };
  } else if (e.name === 'fz_cb_s2') {
    impl = (r) => (s) => { r.push([s]); return C.aggWord(S2, { x: s.x, y: s.y }, batch.ctx); };
  } else impl = info.impl;

  let value; // the argument given for the function pointer
  let retDraw = null;
  if (beh === 'ret') {
    retDraw = cbRetValue(rng, e.cb.ret, batch, rng.bool(0.3));
    const base = impl(rec);
    const rv = retDraw;
    impl = () => (...a) => { base(...a); return rv.v; };
    cRet = convCbRet(e.cb.ret, retDraw, batch);
  }
  let src = 'cb (' + beh + ')';
  if (beh === 'ok' || beh === 'ret') {
    value = V(ffi.Callback(sig.ret, sig.args, impl(rec)), 'ffi.Callback(/* ' + e.name + ' signature */)');
  } else if (beh === 'null') {
    value = V(null, 'null');
  } else if (beh === 'jsfn') {
    value = V(impl(rec), '(/* JS function */)');
  } else if (beh === 'throws') {
    value = V(ffi.Callback(sig.ret, sig.args, () => { throw H.userError('callback'); }), 'ffi.Callback(/* throws */)');
  } else if (beh === 'released') {
    const cb = ffi.Callback(sig.ret, sig.args, impl(rec));
    cb.release();
    value = V(cb, 'ffi.Callback(/* released */)');
  } else if (beh === 'selfrelease') {
    let cb = null;
    const base = impl(rec);
    cb = ffi.Callback(sig.ret, sig.args, (y) => { cb.release(); return base(y); });
    value = V(cb, 'ffi.Callback(/* releases itself */)');
  } else if (beh === 'mismatch') {
    value = rng.bool()
      ? V(ffi.Callback('int32', ['int32'], () => 7), "ffi.Callback('int32', ['int32'], () => 7)")
      : V(ffi.Callback('double', ['double', 'double'], () => 0.5), "ffi.Callback('double', ['double', 'double'], () => 0.5)");
  } else { // wild: never memory (C would jump into it)
    value = Vals.anyValue(rng, batch.ctx, { noMemory: true });
    if (typeof value.v === 'function') value = V(5, '5');
    if (value.v === null || value.v === undefined) beh = 'null';
  }
  const args = [value].concat(rest);

  // Expectation.
  let expect;
  if (cs === null) {
    expect = C.combine((beh === 'wild' ? [value.userThrows ? O.USER : O.REJECT] : []).concat(restPred));
    // Arguments without an exact prediction may still reach C, which then
    // calls the callback: its own error propagates.
    if (expect.kind === 'any' && beh === 'throws') expect.userOk = true;
  } else if (beh === 'null') expect = { kind: 'ok' };
  else if (beh === 'wild' || (beh === 'jsfn' && !fnType)) expect = { kind: 'throw', userOk: !!value.userThrows };
  else if (beh === 'throws') expect = { kind: 'throw', userOk: true };
  else if (beh === 'released' || beh === 'selfrelease') expect = { kind: 'throw', userOk: false, code: 'ERR_REFFI_CALLBACK_RELEASED' };
  else if (beh === 'mismatch') expect = { kind: 'any', userOk: false };
  else if (beh === 'ret') {
    if ((cRet.reject || cRet.user) && mode !== 'sync') {
      // Run from a pool thread, the callback's error is reported as an
      // uncaught exception (checked by the worker) and C receives zero.
      cRet = { ok: true, c: zeroRet(e.cb.ret, batch) };
      expect = { kind: 'ok' };
    } else if (cRet.reject || cRet.user) expect = { kind: 'throw', userOk: !!cRet.user };
    else if (cRet.any) expect = { kind: 'any' };
    else expect = { kind: 'ok' };
  } else expect = { kind: 'ok' };

  const c = {
    label: e.name + (fnType ? ' (ffi.Function arg)' : ' (pointer arg)') + ' ' + beh + ' ' + mode,
    src: ['// ' + src, callSrc(e.name, args, mode)],
    args, fname: e.name,
    exec: () => invoke(fn, args.map((x) => x.v), mode),
    expect,
    expectCode: expect.code,
  };
  if (expect.kind === 'ok') {
    c.check = (res) => {
      if (beh === 'null') return C.compare(info.nullResult, res);
      let r;
      if (beh === 'ret') {
        r = cRet.c;
        if (e.name === 'fz_cb_f64' && typeof r === 'bigint') r = Number(r);
      } else if (e.name === 'fz_cb_s2') {
        r = C.aggWord(S2, C.madeAgg(S2, cs[0], batch.ctx), batch.ctx);
      } else if (e.name === 'fz_cb_ret_s1') {
        const k = Number(cs[0]);
        r = { a: BigInt(k & 0x3f), b: BigInt(k) };
      } else r = info.okRet(cs);
      let want;
      if (e.name === 'fz_cb_s2') want = { value: O.fmt64(BigInt.asUintN(64, (typeof r === 'bigint' ? r : BigInt(r))) ^ C.aggWord(S2, C.madeAgg(S2, cs[0], batch.ctx), batch.ctx)) };
      else if (e.name === 'fz_cb_ret_s1') want = { value: O.fmt64(C.aggWord(S1, r, batch.ctx)) };
      else if (e.name === 'fz_cb_twice' && beh === 'ret') want = info.result(r, cs);
      else if (e.name === 'fz_cb_ptr' && beh === 'ret') want = { address: r };
      else if (e.name === 'fz_cb_ret_str') want = info.result(r, cs);
      else want = info.result(typeof r === 'boolean' ? BigInt(r) : r, cs);
      const p = C.compare(want, res);
      if (p) return p;
      let recv;
      if (e.name === 'fz_cb_s2') {
        const m = C.madeAgg(S2, cs[0], batch.ctx);
        if (rec.length !== 1) return 'the callback ran ' + rec.length + ' time(s)';
        return C.checkInstance(S2, rec[0][0], m, batch.ctx, 'callback argument');
      }
      recv = info.recv(cs);
      const q = checkRecv(rec, recv);
      if (q) return q;
      return nested ? nested.problem() : null;
    };
  }
  return c;
}

/** Work a callback does inside fz_cb_nested: foreign calls with strings, checked. */
function nestedWork(rng, batch) {
  const s = Vals.fixSrc(Vals.stringValue(rng));
  const sub = mixCase(rng, batch, new ArgDrawer(rng, batch));
  let problem = null;
  return {
    run() {
      const want = O.fmt64(O.strw(O.cutAtNul(Buffer.from(s.v, 'utf8'))));
      const got = batch.fns.fz_str_hash(s.v);
      if (!C.sameValue(got, want)) problem = problem || 'nested fz_str_hash: expected ' + C.show(want) + ', got ' + C.show(got);
      if (!sub.label.endsWith(' sync')) return;
      let res, threw = null;
      try { res = sub.exec(); } catch (e) { threw = e; }
      if (res && typeof res.then === 'function') { res.catch(() => {}); return; }
      const f = judge(sub, threw !== null, threw, res);
      // A nested finding of a known bug (e.g. a detached Buffer, K3) is not a new one.
      if (f && !known.classify(f, sub)) problem = problem || 'nested ' + sub.label + ' [' + sub.src.slice(-1)[0] + ']: ' + f.kind + ': ' + f.detail;
    },
    problem: () => problem,
  };
}

// ---- lifecycles: closed libraries, collected callbacks -------------------------------------------------

let closable = null;

function lifeCase(rng, batch) {
  const which = rng.int(0, 3);
  closable = closable || closableCopy();
  const args6 = [1, 2, 3, 4, 5, 6];
  const sig6 = MIX[2]; // u64(i32 x 6): fast path
  const sig7 = MIX[3]; // u64(i32 x 7): generic path
  const want = (sig, a) => O.fmt64(hashArgs(sig.args, a.map(BigInt)));
  if (which === 0 || which === 1) {
    const sig = which === 0 ? sig6 : sig7;
    const a = sig.args.map((_, i) => i + 1);
    return {
      label: 'call after DynamicLibrary.close (' + (which === 0 ? 'fast' : 'generic') + ' path)',
      src: ['const dl = new ffi.DynamicLibrary(CLOSABLE); const f = ffi.ForeignFunction(dl.get("' + sig.name + '"), "uint64", ' + JSON.stringify(sig.args.map(() => 'int32')) + ');',
        'f(' + a + '); dl.close(); f(' + a + ')'],
      expect: { kind: 'throw' }, expectCode: 'ERR_REFFI_LIBRARY_CLOSED',
      exec: () => {
        const dl = new ffi.DynamicLibrary(closable);
        const f = ffi.ForeignFunction(dl.get(sig.name), 'uint64', sig.args.map(() => 'int32'));
        const r = f(...a);
        if (!C.sameValue(r, want(sig, a))) throw new Error('fuzz: before close, ' + sig.name + ' returned ' + r);
        dl.close();
        try { dl.get(sig.name); throw new Error('fuzz: get after close did not throw'); } catch (e) {
          if (e.code !== 'ERR_REFFI_LIBRARY_CLOSED') throw e;
        }
        return f(...a);
      },
    };
  }
  if (which === 2) {
    return {
      label: 'async call, then DynamicLibrary.close while it runs',
      src: ['const dl = new ffi.DynamicLibrary(CLOSABLE); const f = ffi.ForeignFunction(dl.get("fz_mix_2"), "uint64", Array(6).fill("int32"));',
        'const p = f.async(1, 2, 3, 4, 5, 6); dl.close(); await p; f(1, 2, 3, 4, 5, 6)'],
      expect: { kind: 'ok' },
      exec: async () => {
        const dl = new ffi.DynamicLibrary(closable);
        const f = ffi.ForeignFunction(dl.get(sig6.name), 'uint64', sig6.args.map(() => 'int32'));
        const p = f.async(...args6);
        dl.close();
        const r = await p;
        let after;
        try { f(...args6); after = 'no error'; } catch (e) { after = e.code || e.message; }
        return { r, after };
      },
      check: (res) => {
        if (!C.sameValue(res.r, want(sig6, args6))) return 'the in-flight call returned ' + C.show(res.r);
        return res.after === 'ERR_REFFI_LIBRARY_CLOSED' ? null : 'a call after close gave ' + res.after;
      },
    };
  }
  // A callback collected by the GC, then called by C through a raw copy of its address.
  return {
    label: 'C calls a garbage-collected callback',
    src: ['// needs --expose-gc', 'let cb = ffi.Callback("int32", ["int32"], (x) => x); const raw = rawPointer(cb); cb = null; gc();', 'F.fz_cb_twice(raw, 1)'],
    expect: { kind: 'any' },
    exec: async () => {
      if (typeof global.gc !== 'function') return 'no gc';
      const raw = (() => {
        const cb = ffi.Callback('int32', ['int32'], (x) => x);
        return ref._internal.pointerBuffer(ref.address(cb), 0);
      })();
      global.gc();
      await new Promise((r) => setImmediate(r));
      global.gc();
      try {
        const r = batch.cbP.fz_cb_twice(raw, 1);
        return r === 3 || r === 0 ? 'ok' : 'wrong ' + r;
      } catch (e) {
        if (e.code === 'ERR_REFFI_CALLBACK_RELEASED') return 'released';
        throw e;
      }
    },
    checkAny: (res) => (typeof res === 'string' && res.startsWith('wrong') ? 'the collected callback returned ' + res : null),
  };
}

// ---- argument counts ---------------------------------------------------------------------------------

function countCase(rng, batch, draw) {
  const sig = rng.pick(MIX);
  const n = sig.args.length;
  let m;
  do { m = rng.int(0, n + 3); } while (m === n);
  const args = [];
  for (let i = 0; i < m; i++) args.push(i < n ? draw.next(sig.args[i], () => Vals.validValue(rng, sig.args[i], batch.ctx)) : V(0, '0'));
  args.forEach((x) => { if (x.src === null) x.src = Vals.numSrc(x.v); });
  const mode = rng.pick(['sync', 'sync', 'promise']);
  const fn = batch.fns[sig.name];
  return {
    label: sig.name + ' with ' + m + ' argument(s) instead of ' + n + ' ' + mode,
    src: [bindSrc(batch, sig.name), callSrc(sig.name, args, mode)],
    args, fname: sig.name,
    // async: the last argument must be a function for n + 1 to be a call with a callback
    exec: () => (mode === 'sync' ? fn(...args.map((x) => x.v)) : fn.async(...args.map((x) => x.v))),
    expect: { kind: 'throw', userOk: false },
    expectCode: 'ERR_REFFI_ARG_COUNT',
  };
}

// ---- type specs ---------------------------------------------------------------------------------------

function specCase(rng, batch) {
  return spec.makeCase(rng, batch);
}

// ---- judging -------------------------------------------------------------------------------------------

function isCoded(e) {
  return e !== null && typeof e === 'object' && typeof e.code === 'string' && e.code.startsWith('ERR_REFFI_');
}

function errInfo(e) {
  if (e === null || e === undefined) return String(e);
  if (typeof e !== 'object') return typeof e + ' ' + String(e);
  const name = e.constructor && e.constructor.name;
  let where = '';
  if (typeof e.stack === 'string') {
    const line = e.stack.split('\n').slice(1).find((l) => l.includes('/lib/') || l.includes('reffi wrapper'));
    if (line) where = ' @ ' + line.trim();
  }
  return (name || 'Error') + (e.code ? ' [' + e.code + ']' : '') + ': ' + e.message + where;
}

/**
 * The finding for a case outcome, or null when reffi behaved as predicted.
 * Kinds: uncoded-error, rejected-valid, accepted-invalid, wrong-result,
 * wrong-code, error-class.
 */
function judge(c, threw, err, res) {
  const e = c.expect;
  if (threw) {
    if (isCoded(err)) {
      if (err.code === 'ERR_REFFI_INTERNAL') return { kind: 'internal-error', detail: errInfo(err) };
      const Cls = CLASSES[err.code];
      if (Cls && !(err instanceof Cls)) return { kind: 'error-class', detail: err.code + ' thrown as ' + (err.constructor && err.constructor.name) };
      if (c.expectCode && err.code !== c.expectCode) return { kind: 'wrong-code', detail: 'expected ' + c.expectCode + ', got ' + errInfo(err) };
      if (e.kind === 'ok') return { kind: 'rejected-valid', detail: errInfo(err) };
      return null;
    }
    // (a revoked Proxy is rejected with ERR_REFFI_ARG_TYPE: V8's own TypeError is a finding)
    if (e.userOk && H.isUserError(err)) return null;
    if (c.userErrorOk && c.userErrorOk(err)) return null;
    return { kind: 'uncoded-error', detail: errInfo(err) };
  }
  if (e.kind === 'throw') return { kind: 'accepted-invalid', detail: 'expected an error' + (c.expectCode ? ' ' + c.expectCode : '') + ', got ' + C.show(res) };
  if (e.kind === 'ok' && c.check) {
    let p;
    try { p = c.check(res); } catch (x) { p = 'checking the result threw: ' + errInfo(x); }
    if (p) return { kind: 'wrong-result', detail: p };
  }
  if (e.kind === 'any' && c.checkAny) {
    const p = c.checkAny(res);
    if (p) return { kind: 'wrong-result', detail: p };
  }
  return null;
}

/** Runs a case: { finding, threw } (awaits async cases). */
async function runCase(c) {
  let threw = false, err, res;
  try {
    res = c.exec();
    if (res && typeof res.then === 'function') res = await res;
  } catch (x) {
    threw = true;
    err = x;
  }
  return { finding: judge(c, threw, err, res), threw, err, res };
}

module.exports = { Batch, judge, runCase, isCoded, errInfo, libPath, closableCopy, MIX };
