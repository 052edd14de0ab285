// Type declarations for reffi/ref — the ref-napi compatible module.
//
// Besides the ref-napi API, this file holds the type-level machinery the
// other modules share: how a type (a name such as 'int' or 'char *', or a
// type object) maps to the JavaScript values read from C (`ValueOf`),
// written to memory (`InputOf`) and passed as a function argument (`ArgOf`).

// Phantom keys: never present at run time, they carry a type object's
// JavaScript value types for inference.
declare const kOut: unique symbol;
declare const kIn: unique symbol;
declare const kArg: unique symbol;
declare const kPointee: unique symbol;

// ---- type objects -------------------------------------------------------------

/**
 * The minimal shape of a ref "type" object: anything with a `size`, an
 * `indirection` level and `get`/`set` methods can be used as a type
 * (custom types). Values of a custom type are inferred from its `get`
 * return type and its `set` value parameter.
 */
export interface TypeObject {
  /** Size in bytes of a value of this type (for indirection 1). */
  size: number;
  /** 1 for a value type; 2 for a pointer to it, 3 for a pointer to a pointer, … */
  indirection: number;
  alignment?: number;
  name?: string;
  /** Reads a value at `offset` of `buffer`. */
  get(buffer: Buffer, offset: number): any;
  /** Writes `value` at `offset` of `buffer`. */
  set(buffer: Buffer, offset: number, value: any): void;
}

/**
 * A type object whose JavaScript value types are known:
 * `TOut` is what reading (a C return value, `ref.get`, a struct field,
 * a callback argument) gives, `TIn` what writing (`ref.set`, `ref.alloc`,
 * a struct field) accepts, `TArg` what a foreign function argument (or a
 * callback return value) accepts.
 */
export interface Type<TOut = any, TIn = TOut, TArg = TIn> extends TypeObject {
  alignment: number;
  name: string;
  readonly [kOut]?: TOut;
  readonly [kIn]?: TIn;
  readonly [kArg]?: TArg;
}

/** A type name ('int', 'uint64', 'string', 'pointer', 'char *', 'const char **', …) or a type object. */
export type TypeLike = string | TypeObject;

/** What a pointer argument accepts: a Buffer (its address is passed), `null` (NULL), or any typed array / ArrayBuffer. */
export type PointerArg = Buffer | ArrayBufferView | ArrayBuffer | { readonly 'ref.buffer': Uint8Array } | null;

/** 64-bit integers are returned as a Number when they fit in ±2^53, otherwise as a decimal string. */
export type Int64Value = number | string;
/** 64-bit integers are accepted as a Number (an integer), a BigInt or an integer string. */
export type Int64Input = number | string | bigint;

export interface VoidType extends Type<null, never, never> {
  get(buffer: Buffer, offset: number): null;
  set(buffer: Buffer, offset: number, value: never): void;
}
/** 8-bit integers (int8, uint8 and their aliases): as NumberType, and `set` also takes a one-character string (its char code). */
export interface CharType extends Type<number, number | bigint | boolean | string, number> {
  get(buffer: Buffer, offset: number): number;
  set(buffer: Buffer, offset: number, value: number | bigint | boolean | string): void;
}
/** 16- and 32-bit integers, float and double. */
export interface NumberType extends Type<number, number | bigint | boolean, number> {
  get(buffer: Buffer, offset: number): number;
  set(buffer: Buffer, offset: number, value: number | bigint | boolean): void;
}
/** int64, uint64 and their aliases (long, ulong, longlong, ulonglong, size_t, ssize_t on LP64). */
export interface Int64Type extends Type<Int64Value, Int64Input> {
  get(buffer: Buffer, offset: number): Int64Value;
  set(buffer: Buffer, offset: number, value: Int64Input): void;
}
export interface BoolType extends Type<boolean, boolean | number | bigint, boolean | number> {
  get(buffer: Buffer, offset: number): boolean;
  set(buffer: Buffer, offset: number, value: boolean | number | bigint): void;
}
/** `'string'` / CString: a NUL-terminated UTF-8 `char *` read as a JS string (NULL reads as `null`). */
export interface CStringType extends Type<string | null, string | Uint8Array | null, string | ArrayBufferView | ArrayBuffer | null> {
  get(buffer: Buffer, offset: number): string | null;
  set(buffer: Buffer, offset: number, value: string | Uint8Array | null): void;
}
/** `ref.types.Object`: a JS object stored by reference (only meaningful to JS code reading it back). */
export interface ObjectType extends Type<any, object | null> {
  get(buffer: Buffer, offset: number): any;
  set(buffer: Buffer, offset: number, value: object | null): void;
}
/** A pointer type (indirection > 1), made by `ref.refType()` or a name with `*`. Values are Buffers. */
export interface PointerType<T = TypeObject> extends Type<Buffer, Buffer | null, PointerArg> {
  /** Phantom: the pointed-to type (what `ref.derefType()` returns). */
  readonly [kPointee]?: T;
}

/** `ref.types`: the built-in types and their C aliases (LP64: `long` and `size_t` are 64-bit). */
export interface Types {
  void: VoidType;
  int8: CharType;
  uint8: CharType;
  int16: NumberType;
  uint16: NumberType;
  int32: NumberType;
  uint32: NumberType;
  int64: Int64Type;
  uint64: Int64Type;
  float: NumberType;
  double: NumberType;
  bool: BoolType;
  Object: ObjectType;
  CString: CStringType;
  /** Deprecated alias of CString (not enumerable). */
  Utf8String: CStringType;
  byte: CharType;
  char: CharType;
  uchar: CharType;
  short: NumberType;
  ushort: NumberType;
  int: NumberType;
  uint: NumberType;
  long: Int64Type;
  ulong: Int64Type;
  longlong: Int64Type;
  ulonglong: Int64Type;
  size_t: Int64Type;
  ssize_t: Int64Type;
}

/** Every name of `ref.types`, plus `'pointer'` and `'string'`. */
export type TypeName = keyof Types | 'pointer' | 'string';

// ---- type names at the type level (mirrors ref.coerceType) -----------------------

type Whitespace = ' ' | '\t' | '\n' | '\r';
type StripWhitespace<S extends string> = S extends `${infer A}${Whitespace}${infer B}` ? StripWhitespace<`${A}${B}`> : S;
type StripConst<S extends string> = S extends `const${infer R}` ? R : S;
type StripStars<S extends string> = S extends `${infer A}*${infer B}` ? StripStars<`${A}${B}`> : S;
type BaseByName<N extends string> =
  Lowercase<N> extends 'pointer' ? PointerType<VoidType> :
  Lowercase<N> extends 'string' ? CStringType :
  N extends keyof Types ? Types[N] :
  Lowercase<N> extends keyof Types ? Types[Lowercase<N>] :
  never;
type ResolveNormalized<N extends string> =
  N extends `${string}*${string}`
    ? ([BaseByName<StripStars<N>>] extends [never] ? never : PointerType<BaseByName<StripStars<N>>>)
    : BaseByName<N>;

/** The type object a type name stands for (`never` for an unknown name). */
export type ResolveName<S extends string> =
  string extends S ? TypeObject :
  S extends keyof Types ? Types[S] :
  ResolveNormalized<StripConst<StripWhitespace<S>>>;

/** The type object for a `TypeLike`: a name resolved as `ref.coerceType` does, an object as is. */
export type ResolveType<T> = T extends string ? ResolveName<T> : T extends TypeObject ? T : never;

/** `true` when `T` is a valid type: a known name, any non-literal string, or a type object. */
export type IsValidType<T> =
  T extends string ? (string extends T ? true : [ResolveName<T>] extends [never] ? false : true) :
  T extends TypeObject ? true : false;

/**
 * Compile-time check of a type name: an unknown literal name such as
 * `'intx'` makes the call fail with a message naming it.
 */
export type CheckType<T> = IsValidType<T> extends true ? T : { readonly 'unknown reffi type name': T };
/** Like `CheckType`, and also rejects `'void'` (not allowed as an argument type). */
export type CheckArgType<T> =
  IsValidType<T> extends true ? ([ResolveType<T>] extends [VoidType] ? { readonly 'void is not an argument type': T } : T) :
  { readonly 'unknown reffi type name': T };
/** `CheckArgType` over a list of argument types. */
export type CheckArgTypes<A> = { readonly [I in keyof A]: CheckArgType<A[I]> };

type Phantom<T, K extends symbol> = K extends keyof T ? (T extends { readonly [P in K]?: infer V } ? V : never) : never;
type HasPhantom<T, K extends symbol> = K extends keyof T ? true : false;
type GetResult<T> = T extends { get(buffer: any, offset: any): infer V } ? V : any;
type SetValue<T> = T extends { set(buffer: any, offset: any, value: infer V): any } ? V : any;

type OutOfObject<T> = HasPhantom<T, typeof kOut> extends true ? Phantom<T, typeof kOut> : GetResult<T>;
type InOfObject<T> = HasPhantom<T, typeof kIn> extends true ? Phantom<T, typeof kIn> : SetValue<T>;
type ArgOfObject<T> = HasPhantom<T, typeof kArg> extends true ? Phantom<T, typeof kArg> : InOfObject<T>;
type IsAny<T> = 0 extends 1 & T ? true : false;

/** The JS value read from C for type `T`: a return value, `ref.get()`, a struct field, a callback argument. */
export type ValueOf<T> = IsAny<T> extends true ? any : T extends string ? (string extends T ? any : OutOfObject<ResolveName<T>>) : OutOfObject<T>;
/** The JS value `ref.set()` / `ref.alloc()` / a struct field accept for type `T`. */
export type InputOf<T> = IsAny<T> extends true ? any : T extends string ? (string extends T ? any : InOfObject<ResolveName<T>>) : InOfObject<T>;
/** The JS value a foreign function argument (or a callback's return value) accepts for type `T`. */
export type ArgOf<T> = IsAny<T> extends true ? any : T extends string ? (string extends T ? any : ArgOfObject<ResolveName<T>>) : ArgOfObject<T>;

/** A Buffer whose `type` is known: `deref()` reads a value of that type. */
export interface TypedBuffer<T = any> extends Buffer {
  type: TypeObject;
  deref(): T;
  ref(): TypedBuffer<TypedBuffer<T>>;
}

// ---- errors -------------------------------------------------------------------

/** The `code` of every error reffi throws on bad input (see docs/api.md). */
export type ErrorCode =
  | 'ERR_REFFI_ARG_TYPE'
  | 'ERR_REFFI_ARG_COUNT'
  | 'ERR_REFFI_ARG_RANGE'
  | 'ERR_REFFI_UNKNOWN_TYPE'
  | 'ERR_REFFI_INVALID_TYPE'
  | 'ERR_REFFI_UNSUPPORTED'
  | 'ERR_REFFI_OUT_OF_BOUNDS'
  | 'ERR_REFFI_NULL_POINTER'
  | 'ERR_REFFI_LIBRARY_NOT_FOUND'
  | 'ERR_REFFI_SYMBOL_NOT_FOUND'
  | 'ERR_REFFI_LIBRARY_CLOSED'
  | 'ERR_REFFI_CALLBACK_RELEASED'
  | 'ERR_REFFI_CALLBACK_THREAD_BLOCKED'
  | 'ERR_REFFI_FIELD_TYPE'
  | 'ERR_REFFI_DETACHED_BUFFER'
  | 'ERR_REFFI_CDECL_SYNTAX'
  | 'ERR_REFFI_CDECL_UNSUPPORTED'
  | 'ERR_REFFI_CDECL_REDEFINITION'
  | 'ERR_REFFI_CDECL_CONSTANT'
  | 'ERR_REFFI_PENDING_EXCEPTION'
  | 'ERR_REFFI_INTERNAL'
  | 'ERR_REFFI_NOT_BUILT';

/**
 * An error thrown by reffi: a TypeError (ARG_TYPE, ARG_COUNT, UNKNOWN_TYPE,
 * INVALID_TYPE, UNSUPPORTED, FIELD_TYPE, DETACHED_BUFFER), a RangeError (ARG_RANGE,
 * OUT_OF_BOUNDS) or an Error (the others), with a stable `code`.
 */
export interface ReffiError extends Error {
  code: ErrorCode;
  cause?: unknown;
  /** C declaration errors (ERR_REFFI_CDECL_*, and unknown type names in them): 1-based position in the source. */
  line?: number;
  column?: number;
}

// ---- the module ----------------------------------------------------------------

/** The built-in types, as in ref-napi. */
export declare const types: Types;
/** Size in bytes of each built-in type, plus `pointer`. */
export declare const sizeof: { readonly [K in Exclude<keyof Types, 'Utf8String'> | 'pointer']: number };
/** Alignment in bytes of each built-in type, plus `pointer`. */
export declare const alignof: { readonly [K in Exclude<keyof Types, 'Utf8String'> | 'pointer']: number };
/** The host byte order. */
export declare const endianness: 'LE' | 'BE';
/** A zero-length Buffer whose address is 0 (a NULL pointer of type void). */
export declare const NULL: TypedBuffer<null>;
/** Same as `NULL`. */
export declare const nullptr: TypedBuffer<null>;
/** A pointer-sized Buffer holding NULL (`ref.ref(ref.NULL)`). */
export declare const NULL_POINTER: TypedBuffer<TypedBuffer<null>>;

/** Address of the Buffer's data, plus `offset`. Throws ERR_REFFI_ARG_TYPE for a non-Buffer, ERR_REFFI_DETACHED_BUFFER for a detached one. */
export declare function address(buffer: Uint8Array, offset?: number): number;
/** The address in hexadecimal, without a "0x" prefix (as ref-napi). */
export declare function hexAddress(buffer: Uint8Array, offset?: number): string;
/** `true` when the Buffer's address is 0. */
export declare function isNull(buffer: Uint8Array): boolean;
/** `true` for a Buffer (any Uint8Array). */
export declare function isBuffer(value: unknown): value is Uint8Array;

/**
 * A new zero-filled Buffer big enough for one value of `type` (a pointer
 * size for pointer types), with `buffer.type` set, and `value` written in
 * when given.
 */
export declare function alloc<const T extends TypeLike>(type: T & CheckType<T>, value?: InputOf<T>): TypedBuffer<ValueOf<T>>;
/** A new Buffer with the UTF-8 (or `encoding`) bytes of `string` and a NUL; `null` gives `ref.NULL`. */
export declare function allocCString(string: string | null | undefined, encoding?: BufferEncoding): Buffer;
/** Reads a NUL-terminated string at `offset`. */
export declare function readCString(buffer: Uint8Array, offset?: number): string;
/** Writes `string` and a terminating NUL at `offset` (bounds-checked). */
export declare function writeCString(buffer: Uint8Array, offset: number, string: string, encoding?: BufferEncoding): void;

/** Reads a value of `type` (or of `buffer.type`) at `offset`. Pointer types give a Buffer. */
export declare function get<const T extends TypeLike>(buffer: Uint8Array, offset: number | undefined, type: T & CheckType<T>): ValueOf<T>;
export declare function get<T>(buffer: TypedBuffer<T>, offset?: number): T;
export declare function get(buffer: Uint8Array, offset?: number): any;
/** Writes `value` as `type` (or as `buffer.type`) at `offset`. */
export declare function set<const T extends TypeLike>(buffer: Uint8Array, offset: number | undefined, value: InputOf<T>, type: T & CheckType<T>): void;
export declare function set(buffer: Uint8Array, offset: number | undefined, value: any): void;
/** Reads the value the Buffer points to, as `buffer.type` (ERR_REFFI_NULL_POINTER for NULL). */
export declare function deref<T>(buffer: TypedBuffer<T>): T;
export declare function deref(buffer: Uint8Array): any;
/** A new pointer-sized Buffer holding the address of `buffer` (and keeping it alive). */
export declare function ref<T>(buffer: TypedBuffer<T>): TypedBuffer<TypedBuffer<T>>;
export declare function ref(buffer: Buffer): TypedBuffer<Buffer>;

/** The type one level of indirection up (a pointer to `type`). */
export declare function refType<const T extends TypeLike>(type: T & CheckType<T>): PointerType<ResolveType<T>>;
/** The type one level of indirection down (throws ERR_REFFI_INVALID_TYPE for indirection 1). */
export declare function derefType<T>(type: PointerType<T>): T;
export declare function derefType(type: TypeLike): TypeObject;
/** The type object for a name ('int', 'char *', …) or the object itself (ERR_REFFI_UNKNOWN_TYPE otherwise). */
export declare function coerceType<const T extends TypeLike>(type: T & CheckType<T>): ResolveType<T>;
/** `buffer.type`, or a type that throws on get/set when the Buffer has none. */
export declare function getType(buffer: Uint8Array): TypeObject;

/** Reads the pointer at `offset` as a Buffer of `size` bytes (0 by default) over the pointed-to memory. */
export declare function readPointer(buffer: Uint8Array, offset?: number, size?: number): Buffer;
/** Writes the address of `pointer` (or NULL) at `offset`; `buffer` keeps `pointer` alive. */
export declare function writePointer(buffer: Uint8Array, offset: number, pointer: Uint8Array | null): void;
/** A Buffer of `size` bytes over the memory `buffer` points to (from `offset`); keeps `buffer` alive. */
export declare function reinterpret(buffer: Uint8Array, size: number, offset?: number): Buffer;
/** A Buffer over the memory `buffer` points to, up to the first `size`-byte element that is all zeros (`size` defaults to 1). */
export declare function reinterpretUntilZeros(buffer: Uint8Array, size?: number, offset?: number): Buffer;

/** Reads back a JS object stored with `writeObject`. */
export declare function readObject(buffer: Uint8Array, offset?: number): any;
/** Stores a reference to a JS object (or null) in pointer-sized memory at `offset`; `buffer` keeps it alive. */
export declare function writeObject(buffer: Uint8Array, offset: number, object: object | null): void;

export declare function readInt64LE(buffer: Uint8Array, offset?: number): Int64Value;
export declare function readInt64BE(buffer: Uint8Array, offset?: number): Int64Value;
export declare function readUInt64LE(buffer: Uint8Array, offset?: number): Int64Value;
export declare function readUInt64BE(buffer: Uint8Array, offset?: number): Int64Value;
export declare function readInt64(buffer: Uint8Array, offset?: number): Int64Value;
export declare function readUInt64(buffer: Uint8Array, offset?: number): Int64Value;
export declare function writeInt64LE(buffer: Uint8Array, offset: number, value: Int64Input): void;
export declare function writeInt64BE(buffer: Uint8Array, offset: number, value: Int64Input): void;
export declare function writeUInt64LE(buffer: Uint8Array, offset: number, value: Int64Input): void;
export declare function writeUInt64BE(buffer: Uint8Array, offset: number, value: Int64Input): void;
export declare function writeInt64(buffer: Uint8Array, offset: number, value: Int64Input): void;
export declare function writeUInt64(buffer: Uint8Array, offset: number, value: Int64Input): void;

// ref-napi's "private" helpers, which other modules of the classic family call.
/** Keeps `object` alive as long as `buffer` is. */
export declare function _attach(buffer: Uint8Array, object: unknown): void;
export declare function _reinterpret(buffer: Uint8Array, size: number, offset?: number): Buffer;
export declare function _reinterpretUntilZeros(buffer: Uint8Array, size?: number, offset?: number): Buffer;
export declare function _writePointer(buffer: Uint8Array, offset: number, pointer: Uint8Array | null): void;
export declare function _writeObject(buffer: Uint8Array, offset: number, object: object | null): void;

// ---- Buffer.prototype additions (installed by require('reffi/ref')) -------------

declare global {
  interface Buffer {
    /** The ref type of the data this Buffer holds or points to (set by `ref.alloc`, pointers, structs). */
    type?: TypeObject;
    address(): number;
    hexAddress(): string;
    isNull(): boolean;
    ref(): TypedBuffer<Buffer>;
    deref(): any;
    readObject(offset?: number): any;
    writeObject(object: object | null, offset?: number): void;
    readPointer(offset?: number, size?: number): Buffer;
    writePointer(pointer: Uint8Array | null, offset?: number): void;
    readCString(offset?: number): string;
    writeCString(string: string, offset?: number, encoding?: BufferEncoding): void;
    readInt64BE(offset?: number): Int64Value;
    readInt64LE(offset?: number): Int64Value;
    readUInt64BE(offset?: number): Int64Value;
    readUInt64LE(offset?: number): Int64Value;
    writeInt64BE(value: Int64Input, offset?: number): void;
    writeInt64LE(value: Int64Input, offset?: number): void;
    writeUInt64BE(value: Int64Input, offset?: number): void;
    writeUInt64LE(value: Int64Input, offset?: number): void;
    reinterpret(size: number, offset?: number): Buffer;
    reinterpretUntilZeros(size?: number, offset?: number): Buffer;
  }
}

// Only the declarations marked `export` above are part of the module.
export {};
