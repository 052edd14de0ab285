'use strict';
// Builds the tutorial's libmylibrary from mylibrary.c with the system C
// compiler (cc, or $CC) into examples/mylibrary/build/, when it is missing
// or older than its sources. Returns the library path without extension,
// ready for ffi.Library().
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const dir = __dirname;
const outDir = path.join(dir, 'build');
const lib = path.join(outDir, 'libmylibrary.so');
const sources = ['mylibrary.c', 'mylibrary.h'].map((f) => path.join(dir, f));

function build() {
  const newest = Math.max(...sources.map((f) => fs.statSync(f).mtimeMs));
  if (fs.existsSync(lib) && fs.statSync(lib).mtimeMs >= newest) return lib.slice(0, -3);
  fs.mkdirSync(outDir, { recursive: true });
  // Compile to a private name, then rename: concurrent builds never see a
  // half-written library.
  const tmp = path.join(outDir, 'libmylibrary.' + process.pid + '.tmp.so');
  execFileSync(process.env.CC || 'cc', ['-shared', '-fPIC', '-O2', '-Wall', '-o', tmp, sources[0]], { stdio: 'inherit' });
  fs.renameSync(tmp, lib);
  return lib.slice(0, -3);
}

module.exports = build;
if (require.main === module) console.log(build() + '.so');
