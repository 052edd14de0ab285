'use strict';
// sqlite3_exec with a row callback: C calls JavaScript once per result row.
const fs = require('fs');
const os = require('os');
const path = require('path');
const ffi = require('reffi/ffi');
const ref = require('reffi/ref');

const sqlite3Ptr = ref.refType(ref.types.void);
const stringArray = ref.refType(ref.types.CString);
const rowCallback = ffi.Function('int', ['pointer', 'int', stringArray, stringArray]);
const sqlite = ffi.Library('libsqlite3', {
  sqlite3_open: ['int', ['string', ref.refType(sqlite3Ptr)]],
  sqlite3_exec: ['int', [sqlite3Ptr, 'string', rowCallback, 'pointer', 'pointer']],
  sqlite3_close: ['int', [sqlite3Ptr]],
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reffi-sqlite-'));
const dbOut = ref.alloc(sqlite3Ptr);
if (sqlite.sqlite3_open(path.join(dir, 'rows.sqlite3'), dbOut) !== 0) throw new Error('open failed');
const db = dbOut.deref();
const noRows = () => 0;
sqlite.sqlite3_exec(db, 'CREATE TABLE fruit (name TEXT, qty INT); INSERT INTO fruit VALUES (\'apple\', 3), (\'pear\', 5), (\'fig\', 8);', noRows, null, null);
const rows = [];
const rc = sqlite.sqlite3_exec(db, 'SELECT name, qty FROM fruit ORDER BY qty', (_, n, values, names) => {
  // char ** of unknown extent: give the pointers their size (n entries).
  const vals = ref.reinterpret(values, n * ref.sizeof.pointer);
  const cols = ref.reinterpret(names, n * ref.sizeof.pointer);
  const row = {};
  for (let i = 0; i < n; i++) {
    row[ref.get(cols, i * ref.sizeof.pointer, ref.types.CString)] = ref.get(vals, i * ref.sizeof.pointer, ref.types.CString);
  }
  rows.push(row);
  return 0;
}, null, null);
sqlite.sqlite3_close(db);
fs.rmSync(dir, { recursive: true, force: true });
console.log('sqlite rows (rc ' + rc + '): ' + rows.map((r) => r.name + '=' + r.qty).join(', '));
