'use strict';
// The whole JS test suite: builds the addon if needed, compiles the C test
// libraries, runs every test/*.test.js with node's test runner, then the
// TypeScript type tests when TypeScript is installed.
const { spawnSync, execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
if (!fs.existsSync(path.join(root, 'build', 'reffi.node'))) {
  execFileSync(process.execPath, [path.join(__dirname, 'build.js')], { stdio: 'inherit' });
}
require(path.join(root, 'test', 'native', 'build.js')).build();

const files = fs.readdirSync(path.join(root, 'test'))
  .filter((f) => f.endsWith('.test.js'))
  .sort()
  .map((f) => path.join('test', f));
const r = spawnSync(process.execPath, ['--expose-gc', '--test', '--test-concurrency=2', ...files], { cwd: root, stdio: 'inherit' });
let status = r.status === null ? 1 : r.status;

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const tsconfig = path.join(root, 'test', 'types', 'tsconfig.json');
if (status === 0 && fs.existsSync(tsc) && fs.existsSync(tsconfig)) {
  console.log('\n# TypeScript type tests (tsc --noEmit -p test/types)');
  const t = spawnSync(process.execPath, [tsc, '--noEmit', '-p', tsconfig], { cwd: root, stdio: 'inherit' });
  status = t.status === null ? 1 : t.status;
}
process.exit(status);
