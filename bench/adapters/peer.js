'use strict';
// Loading a benchmark peer from bench/node_modules (installed by bench/run.js).
const fs = require('fs');
const path = require('path');
const { NotAvailable } = require('../workloads');

const modules = path.join(__dirname, '..', 'node_modules');

function requirePeer(name) {
  const dir = path.join(modules, name);
  if (!fs.existsSync(path.join(dir, 'package.json'))) throw new NotAvailable('not installed');
  return require(dir);
}

function peerVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(modules, name, 'package.json'), 'utf8')).version;
  } catch (_) {
    return null;
  }
}

module.exports = { requirePeer, peerVersion, modules };
