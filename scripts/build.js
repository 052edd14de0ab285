'use strict';
// Builds the Rust addon in release mode and puts it where lib/ loads it.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const cargoHome = process.env.CARGO_HOME || path.join(os.homedir(), '.cargo');
const env = { ...process.env, PATH: path.join(cargoHome, 'bin') + path.delimiter + process.env.PATH };
const profile = process.env.REFFI_PROFILE || 'release';
const args = ['build', '--lib'];
if (profile === 'release') args.push('--release');
execFileSync('cargo', args, { cwd: root, stdio: 'inherit', env });
const libName = process.platform === 'darwin' ? 'libreffi.dylib' : process.platform === 'win32' ? 'reffi.dll' : 'libreffi.so';
const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
const src = path.join(targetDir, profile === 'release' ? 'release' : 'debug', libName);
fs.mkdirSync(path.join(root, 'build'), { recursive: true });
const dst = path.join(root, 'build', 'reffi.node');
// Copy via a temporary name and rename: a running process may have the old file mapped.
fs.copyFileSync(src, dst + '.tmp');
fs.renameSync(dst + '.tmp', dst);
console.log('reffi: built ' + path.relative(root, dst));
