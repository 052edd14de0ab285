'use strict';
// Runs every examples/more/*.js in a child process and checks its output.
const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const dir = path.join(root, 'examples', 'more');

function run(name) {
  const r = spawnSync(process.execPath, [path.join(dir, name)], { cwd: root, encoding: 'utf8', timeout: 60000 });
  assert.strictEqual(r.status, 0, name + ' failed: ' + r.stderr);
  return r.stdout;
}

const expected = {
  'zlib.js': /^zlib: 1200 -> \d+ -> 1200 bytes, equal: true$/m,
  'qsort.js': /^qsort: -50 -7 0 3 3 19 42 100$/m,
  'sqlite-rows.js': /^sqlite rows \(rc 0\): apple=3, pear=5, fig=8$/m,
  'thread-callback.js': /callback on the JS thread: true, x = 4\nnative thread got 40/,
  'cdef-header.js': /^div\(17, 5\) = 3 r 2; strlen = 5; pow = 1024; snprintf = 7-x$/m,
};

test('every example in examples/more has an expectation', () => {
  assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort(), Object.keys(expected).sort());
});

for (const [name, re] of Object.entries(expected)) {
  test('examples/more/' + name, () => {
    assert.match(run(name), re);
  });
}
