'use strict';
// Known reffi bugs found by the fuzzer (reported to the lead, not fixed in
// the files this harness owns). With --avoid-known (the default of
// `npm run fuzz` and of test/fuzz.test.js) the fuzzer does not *call*
// signatures that hit a known crash, so a run can look for new ones; the
// cases skipped are counted. Findings that match a known non-crash bug are
// reported under its id instead of as new findings. Remove an entry when the
// bug is fixed: the fuzzer then checks it again.

const KNOWN = [
  {
    id: 'K3-detached-buffer-address',
    crash: false,
    title: 'A Buffer whose address was cached (ref.address(), or any earlier call) and whose ArrayBuffer was then ' +
      'detached (structuredClone(..., { transfer })) still passes its old address to C (freed or moved memory): ' +
      'lib/internal/codegen.js uses the cached kAddr without checking the Buffer is still attached.',
    finding: (f, c) => Array.isArray(c.args) && c.args.some((x) => x && x.cachedAddress) && f.kind === 'wrong-result',
  },

];

function enabled(batch) {
  return batch && batch.opts && batch.opts.avoidKnown;
}

/** For a call case: the id of a known crash it would hit (when avoiding), else null. */
function avoid(c, batch) {
  if (!enabled(batch)) return null;
  for (const k of KNOWN) if (k.crash && k.call && k.call(c)) return k.id;
  return null;
}

/** For a type-spec case, right before it calls what it bound: true to skip the call. */
function avoidSpec(c, batch) {
  if (!enabled(batch)) return false;
  for (const k of KNOWN) {
    if (k.crash && k.spec && k.spec(c)) {
      c.skipped = k.id;
      return true;
    }
  }
  return false;
}

/** The id of the known bug a finding shows, or null for a new finding. */
function classify(finding, c) {
  for (const k of KNOWN) if (k.finding && k.finding(finding, c)) return k.id;
  return null;
}

module.exports = { KNOWN, avoid, avoidSpec, classify };
