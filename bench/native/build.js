'use strict';
// Compiles the benchmark's C code with the system C compiler (no node-gyp):
//   build/libbenchlib.so  the functions every implementation calls
//   build/floor.node      the hand-written Node-API addon (the 1.00x floor),
//                         linked against libbenchlib.so
// Rebuilds only what is older than its source. build() never throws for
// the floor: a floor that does not compile is reported as { floor: null,
// floorError }.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const dir = __dirname;
const out = path.join(dir, 'build');
const LIB = path.join(out, 'libbenchlib.so');
const FLOOR = path.join(out, 'floor.node');

/** Directory holding node_api.h: the headers installed next to this node binary. */
function nodeIncludeDir() {
  const candidates = [];
  if (process.env.npm_config_nodedir) candidates.push(path.join(process.env.npm_config_nodedir, 'include', 'node'));
  const prefix = path.resolve(path.dirname(fs.realpathSync(process.execPath)), '..');
  candidates.push(path.join(prefix, 'include', 'node'));
  for (const d of candidates) if (fs.existsSync(path.join(d, 'node_api.h'))) return d;
  return null;
}

function stale(target, sources) {
  if (!fs.existsSync(target)) return true;
  const t = fs.statSync(target).mtimeMs;
  return sources.some((s) => fs.statSync(s).mtimeMs > t);
}

function cc(args) {
  execFileSync(process.env.CC || 'cc', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

function build({ quiet = false } = {}) {
  fs.mkdirSync(out, { recursive: true });
  const libSrc = path.join(dir, 'benchlib.c');
  if (stale(LIB, [libSrc])) {
    const tmp = `${LIB}.${process.pid}.tmp`; // concurrent builds (parallel test runs) must not share it
    cc(['-O2', '-Wall', '-shared', '-fPIC', '-o', tmp, libSrc]);
    fs.renameSync(tmp, LIB);
  }
  const result = { lib: LIB, floor: null, floorError: null };
  const floorSrc = path.join(dir, 'floor.c');
  try {
    if (stale(FLOOR, [floorSrc, LIB])) {
      const inc = nodeIncludeDir();
      if (!inc) throw new Error('node_api.h not found (set npm_config_nodedir to the Node headers prefix)');
      const tmp = `${FLOOR}.${process.pid}.tmp`;
      cc(['-O2', '-Wall', '-shared', '-fPIC', '-DNODE_GYP_MODULE_NAME=floor', '-I', inc,
        '-o', tmp, floorSrc, '-L', out, '-lbenchlib', '-Wl,-rpath,$ORIGIN']);
      fs.renameSync(tmp, FLOOR);
    }
    result.floor = FLOOR;
  } catch (e) {
    result.floorError = (e.stderr && String(e.stderr).trim()) || e.message;
    if (!quiet) process.stderr.write('bench: the floor addon did not build: ' + result.floorError + '\n');
  }
  return result;
}

module.exports = { build, LIB, FLOOR, nodeIncludeDir };
if (require.main === module) console.log(build());
