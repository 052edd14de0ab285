'use strict';
// Compiles every test/native/*.c into test/native/build/lib<name>.so with the
// system C compiler (one C file per topic). Rebuilds only what changed.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const dir = __dirname;
const out = path.join(dir, 'build');

function build() {
  fs.mkdirSync(out, { recursive: true });
  const cc = process.env.CC || 'cc';
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.c'))) {
    const src = path.join(dir, f);
    const lib = path.join(out, 'lib' + f.slice(0, -2) + '.so');
    if (fs.existsSync(lib) && fs.statSync(lib).mtimeMs >= fs.statSync(src).mtimeMs) continue;
    execFileSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-o', lib, src, '-lpthread', '-lm'], { stdio: 'inherit' });
  }
  return out;
}

/** Path of the compiled test library for topic `name` (test/native/<name>.c). */
function libPath(name) {
  return path.join(out, 'lib' + name + '.so');
}

module.exports = { build, libPath };
if (require.main === module) build();
