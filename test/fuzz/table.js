'use strict';
// The fixed table describing the C functions of test/native/fuzz.c that the
// fuzzer calls, and the generator of its fz_mix_* block.
//
// Kinds (one per C scalar type): b i8 u8 i16 u16 i32 u32 i64 u64 f32 f64
// p (void *) s (const char *), and v (void) for returns.
//
//   node test/fuzz/table.js --emit-c   rewrites the generated block of fuzz.c
//   node test/fuzz/table.js --check    exits 1 when fuzz.c is out of date

const fs = require('fs');
const path = require('path');
const { Rng } = require('./rng');

const ARG_KINDS = ['b', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64', 'p', 's'];
const RET_KINDS = ['v'].concat(ARG_KINDS);
const INT_KINDS = ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64'];

const C_TYPE = {
  v: 'void', b: 'bool', i8: 'int8_t', u8: 'uint8_t', i16: 'int16_t', u16: 'uint16_t', i32: 'int32_t', u32: 'uint32_t',
  i64: 'int64_t', u64: 'uint64_t', f32: 'float', f64: 'double', p: 'void *', s: 'const char *',
};

// ---- the generated fz_mix_* signatures ------------------------------------------

const MIX_SEED = 0x5eed2024;
const MIX_RANDOM = 200;

/** Hand-picked shapes around the register limits (6 integer, 8 SSE registers), then random ones. */
function mixSignatures() {
  const fixed = [
    { ret: 'i32', args: [] },
    { ret: 'v', args: [] },
    { ret: 'u64', args: ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'] }, // 6 integer registers: fast path
    { ret: 'u64', args: ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'] }, // 7: generic path
    { ret: 'f64', args: ['f64', 'f64', 'f64', 'f64', 'f64', 'f64', 'f64', 'f64'] }, // 8 SSE registers
    { ret: 'f64', args: ['f64', 'f64', 'f64', 'f64', 'f64', 'f64', 'f64', 'f64', 'f32'] }, // 9: generic
    { ret: 'i64', args: ['p', 'f32', 's', 'f64', 'i8', 'f32', 'u16', 'f64', 'i64', 'f32', 'u64', 'f64', 'b', 'f32'] },
    { ret: 's', args: ['s', 's', 's', 's', 's', 's'] },
    { ret: 's', args: ['s', 's', 's', 's', 's', 's', 's', 's', 's', 's'] },
    { ret: 'p', args: ['p', 'p', 'p', 'p', 'p', 'p', 'p'] },
    { ret: 'b', args: ['b', 'b', 'b', 'b', 'b', 'b', 'b', 'b', 'b', 'b'] },
    { ret: 'f32', args: ['f32', 'i8', 'f32', 'u8', 'f32', 'i16', 'f32', 'u16', 'f32', 'u32'] },
  ];
  const rng = new Rng(MIX_SEED);
  const out = fixed.slice();
  for (let k = 0; k < MIX_RANDOM; k++) {
    const n = rng.int(0, 10);
    const args = [];
    for (let i = 0; i < n; i++) args.push(rng.pick(ARG_KINDS));
    out.push({ ret: rng.pick(RET_KINDS), args });
  }
  return out.map((s, k) => Object.assign({ name: 'fz_mix_' + k, family: 'mix' }, s));
}

function emitMix(sig) {
  const params = sig.args.map((k, i) => C_TYPE[k] + ' a' + i).join(', ') || 'void';
  const lines = ['EXPORT ' + C_TYPE[sig.ret] + ' ' + sig.name + '(' + params + ') {', '  uint64_t h = FZ_H0;'];
  sig.args.forEach((k, i) => lines.push('  h = fz_mix(h, W_' + k + '(a' + i + '));'));
  lines.push('  h = fz_mix(h, ' + sig.args.length + ');');
  if (sig.ret === 'v') lines.push('  fz_last_v = h;');
  else lines.push('  return R_' + sig.ret + '(h);');
  lines.push('}');
  return lines.join('\n');
}

function generatedBlock() {
  const sigs = mixSignatures();
  const parts = sigs.map(emitMix);
  // The C side describes its own signatures, so the harness can check that
  // the compiled library matches this table.
  parts.push('EXPORT uint32_t fz_mix_count(void) { return ' + sigs.length + '; }');
  parts.push('static const char *const fz_mix_sigs[] = {\n' +
    sigs.map((s) => '  "' + s.ret + '(' + s.args.join(',') + ')",').join('\n') + '\n};');
  parts.push('EXPORT const char *fz_mix_sig(uint32_t k) { return k < ' + sigs.length + ' ? fz_mix_sigs[k] : NULL; }');
  return parts.join('\n\n') + '\n';
}

const C_FILE = path.join(__dirname, '..', 'native', 'fuzz.c');
const BEGIN = '/* BEGIN GENERATED */\n';
const END = '/* END GENERATED */';

function spliceGenerated(src) {
  const a = src.indexOf(BEGIN);
  const b = src.indexOf(END);
  if (a < 0 || b < a) throw new Error('fuzz.c: generated block markers not found');
  return src.slice(0, a + BEGIN.length) + generatedBlock() + src.slice(b);
}

// ---- the hand-written functions ------------------------------------------------------

/** Scalar identities and narrowing returns. */
function scalarFunctions() {
  const out = [];
  for (const k of ARG_KINDS) out.push({ name: 'fz_id_' + k, family: 'id', ret: k, args: [k] });
  for (const k of ['b'].concat(INT_KINDS)) out.push({ name: 'fz_ret_' + k, family: 'ret', ret: k, args: ['u64'] });
  out.push({ name: 'fz_ret_f32', family: 'retbits', ret: 'f32', args: ['u32'] });
  out.push({ name: 'fz_ret_f64', family: 'retbits', ret: 'f64', args: ['u64'] });
  return out;
}

/** Aggregates of fuzz.c: field kinds in declaration order (nested: another aggregate name). */
const AGGREGATES = {
  S1: { kind: 'struct', fields: [['a', 'i8'], ['b', 'i32']] },
  S2: { kind: 'struct', fields: [['x', 'f64'], ['y', 'f64']] },
  S3: { kind: 'struct', fields: [['a', 'f32'], ['b', 'f32'], ['c', 'f32']] },
  S4: { kind: 'struct', fields: [['a', 'i64'], ['b', 'u8'], ['c', 'f64']] },
  S5: { kind: 'struct', fields: [['a', 'u16'], ['b', 'f32'], ['c', 'i32']] },
  S6: { kind: 'struct', fields: [['s', 's'], ['n', 'i32']] },
  // Packed with a misaligned field: by pointer only (not passable by value).
  S7: { kind: 'struct', packed: true, byPointerOnly: true, fields: [['a', 'u8'], ['b', 'u32'], ['c', 'u16']] },
  S8: { kind: 'struct', fields: [['in', 'S1'], ['d', 'f64'], ['u', 'u64']] },
  // Fixed arrays as fields (kind 'elem[N]'; needs lib/array.js).
  S9: { kind: 'struct', fields: [['a', 'u8[3]'], ['f', 'f32[2]'], ['n', 'i16']] },
  U1: { kind: 'union', fields: [['i', 'i64'], ['d', 'f64']] },
  U2: { kind: 'union', fields: [['f', 'f32'], ['d', 'f64']] },
};

/** Callback-taking functions: `cb` describes the function pointer argument (index 0). */
const CALLBACK_FUNCTIONS = [
  { name: 'fz_cb_i32', ret: 'i32', args: ['cb', 'i32', 'f64'], cb: { ret: 'i32', args: ['i32', 'f64'] } },
  { name: 'fz_cb_f64', ret: 'f64', args: ['cb', 'f64'], cb: { ret: 'f64', args: ['f64'] } },
  { name: 'fz_cb_twice', ret: 'i32', args: ['cb', 'i32'], cb: { ret: 'i32', args: ['i32'] } },
  { name: 'fz_cb_str', ret: 'i32', args: ['cb', 's'], cb: { ret: 'i32', args: ['s'] } },
  { name: 'fz_cb_ret_str', ret: 'u64', args: ['cb', 'i32'], cb: { ret: 's', args: ['i32'] } },
  { name: 'fz_cb_ptr', ret: 'p', args: ['cb', 'p'], cb: { ret: 'p', args: ['p'] } },
  { name: 'fz_cb_nested', ret: 'i32', args: ['cb', 's', 'i32'], cb: { ret: 'i32', args: ['i32'] } },
  {
    name: 'fz_cb_scalars', ret: 'u64', args: ['cb', 'u64'],
    cb: { ret: 'u64', args: ['b', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64'] },
  },
  { name: 'fz_cb_s2', ret: 'u64', args: ['cb', 'u64'], cb: { ret: 'u64', args: ['S2'] } },
  { name: 'fz_cb_ret_s1', ret: 'u64', args: ['cb', 'i32'], cb: { ret: 'S1', args: ['i32'] } },
];

/** 'u8[3]' -> { elem: 'u8', n: 3 }, else null. */
function arrayKind(k) {
  const m = /^(\w+)\[(\d+)\]$/.exec(k);
  return m ? { elem: m[1], n: Number(m[2]) } : null;
}

module.exports = {
  arrayKind, ARG_KINDS, RET_KINDS, INT_KINDS, C_TYPE, AGGREGATES, CALLBACK_FUNCTIONS,
  mixSignatures, scalarFunctions, generatedBlock, spliceGenerated, C_FILE,
};

if (require.main === module) {
  const src = fs.readFileSync(C_FILE, 'utf8');
  const next = spliceGenerated(src);
  if (process.argv.includes('--check')) {
    if (next !== src) {
      console.error('test/native/fuzz.c is out of date: run node test/fuzz/table.js --emit-c');
      process.exit(1);
    }
    console.log('test/native/fuzz.c matches test/fuzz/table.js');
  } else if (process.argv.includes('--emit-c')) {
    if (next !== src) fs.writeFileSync(C_FILE, next);
    console.log('wrote the generated block of test/native/fuzz.c (' + mixSignatures().length + ' fz_mix_* functions)');
  } else {
    console.log('usage: node test/fuzz/table.js --emit-c | --check');
  }
}
