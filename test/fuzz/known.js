'use strict';
// Known reffi bugs found by the fuzzer (reported to the lead, not fixed in
// the files this harness owns). With --avoid-known (the default of
// `npm run fuzz` and of test/fuzz.test.js) the fuzzer does not *call*
// signatures that hit a known crash, so a run can look for new ones; the
// cases skipped are counted. Findings that match a known non-crash bug are
// reported under its id instead of as new findings. Remove an entry when the
// bug is fixed: the fuzzer then checks it again.

// Fixed (each has a regression test in test/fuzz.test.js; see docs/reliability.md):
// K2 forged descriptor, K3 detached Buffer address (now ERR_REFFI_DETACHED_BUFFER),
// K4 callback int64 boundary, K5 huge by-value type, K6 huge size uncoded,
// K7 custom type without get/set, K8/K9 huge arrays, K10 huge pointee,
// K11 struct/array set from a plain object: the C strings of its `char *`
// fields were kept alive only by a temporary sub-Buffer.
const KNOWN = [
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
