'use strict';
// Installs the benchmark peers (bench/package.json) into bench/node_modules,
// once: `npm install --ignore-scripts`, then ffi-napi and ref-napi are
// rebuilt from source with node-gyp against the local Node headers and
// -DNODE_API_EXPERIMENTAL_NOGC_ENV_OPT_OUT (their prebuilt binaries predate
// Node 20's finalizer rules). Nothing here throws: every failure is
// recorded per peer and reported in the benchmark table.
const { spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const benchDir = __dirname;
const modules = path.join(benchDir, 'node_modules');
const marker = path.join(modules, '.reffi-bench-peers.json');
const NATIVE_REBUILD = ['ref-napi', 'ffi-napi']; // ref-napi first: ffi-napi includes its headers

function manifestHash() {
  return crypto.createHash('sha256').update(fs.readFileSync(path.join(benchDir, 'package.json'))).update(process.version).digest('hex');
}

function readMarker() {
  try {
    return JSON.parse(fs.readFileSync(marker, 'utf8'));
  } catch (_) {
    return null;
  }
}

function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  return path.resolve(path.dirname(fs.realpathSync(process.execPath)), '..');
}

/** node-gyp's entry script: the copy bundled with npm, else one on PATH. */
function nodeGyp() {
  const prefix = path.resolve(path.dirname(fs.realpathSync(process.execPath)), '..');
  const candidates = [
    path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(prefix, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  for (const c of candidates) if (fs.existsSync(c)) return [process.execPath, c];
  return ['node-gyp'];
}

function tail(s, n = 600) {
  s = String(s || '').trim();
  return s.length > n ? '…' + s.slice(-n) : s;
}

/**
 * Makes sure the peers are installed. Returns { status: {peer: 'ok' | reason}, installed: bool }.
 * @param {{log?: Function, force?: boolean}} opts
 */
function ensurePeers(opts = {}) {
  const log = opts.log || ((m) => process.stderr.write(m + '\n'));
  const hash = manifestHash();
  const prev = readMarker();
  if (!opts.force && prev && prev.hash === hash) return { status: prev.status, installed: false };

  const pkg = JSON.parse(fs.readFileSync(path.join(benchDir, 'package.json'), 'utf8'));
  const peers = Object.keys(pkg.dependencies || {});
  const status = {};
  log('bench: installing peers into bench/node_modules (npm install --ignore-scripts) ...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const inst = spawnSync(npm, ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'],
    { cwd: benchDir, encoding: 'utf8', timeout: 240e3 });
  const instErr = inst.error ? inst.error.message : inst.status !== 0 ? tail(inst.stderr || inst.stdout) : null;
  for (const p of peers) {
    status[p] = fs.existsSync(path.join(modules, p, 'package.json')) ? 'ok' : 'install failed' + (instErr ? ': ' + instErr : '');
  }

  const [gypCmd, ...gypArgs] = nodeGyp();
  const env = Object.assign({}, process.env, {
    CXXFLAGS: ((process.env.CXXFLAGS || '') + ' -DNODE_API_EXPERIMENTAL_NOGC_ENV_OPT_OUT').trim(),
    npm_config_nodedir: nodeDir(),
  });
  for (const p of NATIVE_REBUILD) {
    if (status[p] !== 'ok') continue;
    log(`bench: building ${p} from source (node-gyp rebuild --nodedir=${nodeDir()}) ...`);
    const r = spawnSync(gypCmd, gypArgs.concat(['rebuild', '--nodedir=' + nodeDir(), '-j', '2']),
      { cwd: path.join(modules, p), env, encoding: 'utf8', timeout: 300e3 });
    if (r.error || r.status !== 0) {
      // node-gyp-build falls back to the package's prebuilt binary, if it loads.
      status[p] = 'ok (source build failed, prebuilt binary: ' + tail(r.error ? r.error.message : r.stderr, 200) + ')';
    }
  }
  // Remember a complete install only: a failed one is retried on the next run.
  if (Object.values(status).every((s) => s.startsWith('ok'))) {
    try {
      fs.writeFileSync(marker, JSON.stringify({ hash, status, date: new Date().toISOString() }, null, 2));
    } catch (_) { /* node_modules missing: nothing installed */ }
  }
  return { status, installed: true };
}

module.exports = { ensurePeers, modules, marker };
if (require.main === module) console.log(ensurePeers({ force: process.argv.includes('--force') }));
