// The few Node.js globals the type tests and lib/*.d.ts use, so the tests
// compile without @types/node (tsconfig "types": []). Real projects get
// these from @types/node.

type BufferEncoding = 'ascii' | 'utf8' | 'utf-8' | 'utf16le' | 'ucs2' | 'ucs-2' | 'base64' | 'base64url' | 'latin1' | 'binary' | 'hex';

interface Buffer extends Uint8Array {
  readInt32LE(offset?: number): number;
  writeInt32LE(value: number, offset?: number): number;
  readDoubleLE(offset?: number): number;
  toString(encoding?: BufferEncoding, start?: number, end?: number): string;
  subarray(start?: number, end?: number): Buffer;
}

interface BufferConstructor {
  alloc(size: number, fill?: number): Buffer;
  from(data: string, encoding?: BufferEncoding): Buffer;
  from(data: ArrayLike<number> | ArrayBuffer): Buffer;
  isBuffer(value: unknown): value is Buffer;
}

declare var Buffer: BufferConstructor;
declare var console: { log(...args: unknown[]): void };
