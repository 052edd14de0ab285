// The same declarations seen from an ES module (`import` of the CommonJS package).
import reffi from 'reffi';
import ffi, { Library, Callback } from 'reffi/ffi';
import * as ref from 'reffi/ref';
import Struct from 'reffi/struct';
import ArrayType from 'reffi/array';
import Union from 'reffi/union';
import type { ErrorCode, ReffiError } from 'reffi';

const lib = Library(null, { abs: ['int', ['int']] });
const n: number = lib.abs(-1);
const r: number = await lib.abs.async(-1);
const p = Struct({ x: 'int' });
const a = ArrayType('int', 2);
const u = Union({ i: 'int', f: 'float' });
const x: number = new p({ x: 1 }).x + new a([1, 2])[0] + new u().f;
const size: number = ref.sizeof.int + reffi.ref.sizeof.long + ffi.POINTER_SIZE;
const cb = Callback('void', [], () => {});
cb.release();
const code: ErrorCode = 'ERR_REFFI_ARG_TYPE';
function isReffiError(e: unknown): e is ReffiError {
  return e instanceof Error && typeof (e as ReffiError).code === 'string' && (e as ReffiError).code.startsWith('ERR_REFFI_');
}
// @ts-expect-error typed through the ESM import too
lib.abs('1');
export { n, r, x, size, code, isReffiError };
