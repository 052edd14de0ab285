// Type declarations for reffi/array — the ref-array-di compatible module.
//
//   const ArrayType = require('reffi/array');         // bound to reffi/ref
//   const ArrayType = require('reffi/array')(ref);    // ref-array-di style
//   const Int4 = ArrayType('int', 4);                 // int[4]
//   const a = new Int4([1, 2, 3, 4]);                 // a[0]: number

import type { TypeLike, TypeObject, Type, ValueOf, InputOf, CheckType, TypedBuffer } from './ref';

declare namespace ArrayType {
  /**
   * An array instance: `a[i]` reads and writes element `i` of the backing
   * Buffer through the element type (ERR_REFFI_OUT_OF_BOUNDS outside
   * `[0, length)`).
   */
  interface ArrayInstance<E = any> extends Iterable<ValueOf<E>> {
    [index: number]: ValueOf<E>;
    /** Number of elements. */
    readonly length: number;
    /** The backing memory. */
    buffer: Buffer;
    /** Same as `buffer`. */
    'ref.buffer': Buffer;
    toArray(): ValueOf<E>[];
    toJSON(): ValueOf<E>[];
    toString(): string;
    inspect(): string;
    /** A new array over elements `[start, end)` of the same memory. */
    slice(start?: number, end?: number): ArrayInstance<E>;
    /** A pointer to the backing memory; its `deref()` gives an array over the same memory. */
    ref(): TypedBuffer<ArrayInstance<E>>;
  }

  /** What an array type accepts when written (`ref.set`, a struct field, an argument). */
  type ArrayInput<E> = ArrayInstance<E> | ArrayLike<InputOf<E>> | Uint8Array | string | null;

  /**
   * An array type: constructor of instances and ref type object at once.
   * Fixed length (`ArrayType(t, n)`, a C `t[n]`): stored inline, usable in
   * structs and unions and by value. Variable length (`ArrayType(t)`): stored
   * and passed as a pointer to the first element (`t *`).
   */
  interface ArrayTypeT<E = any> extends Type<ArrayInstance<E>, ArrayInput<E>> {
    /** Zero-filled: `length` elements, or `fixedLength` when omitted. */
    new (length?: number): ArrayInstance<E>;
    /** A copy of the elements of a JS array (or another instance). */
    new (data: ArrayLike<InputOf<E>>, length?: number): ArrayInstance<E>;
    /** An array over `buffer` (`length` elements, or as many as fit). */
    new (buffer: Uint8Array, length?: number): ArrayInstance<E>;
    (length?: number): ArrayInstance<E>;
    (data: ArrayLike<InputOf<E>>, length?: number): ArrayInstance<E>;
    (buffer: Uint8Array, length?: number): ArrayInstance<E>;
    readonly prototype: ArrayInstance<E>;
    /** The element type object. */
    type: TypeObject;
    /** Bytes per element (a pointer size for pointer elements). */
    BYTES_PER_ELEMENT: number;
    /** The length of a fixed-length type; absent for a variable-length one. */
    fixedLength?: number;
    size: number;
    alignment: number;
    indirection: number;
    get(buffer: Uint8Array, offset?: number): ArrayInstance<E>;
    set(buffer: Uint8Array, offset: number | undefined, value: ArrayInput<E>): void;
    /** An array over the memory `buffer` points to, up to the first all-zero element. */
    untilZeros(buffer: Uint8Array): ArrayInstance<E>;
    toString(): string;
  }

  /** The ArrayType constructor (`ArrayType(type, length?)`). */
  interface ArrayTypeFactory {
    <const E extends TypeLike>(type: E & CheckType<E>, length?: number): ArrayTypeT<E>;
  }

  /** Any ref module (reffi/ref, ref-napi) for the dependency-injection form. */
  interface RefModuleLike {
    coerceType(type: any): any;
    refType(type: any): any;
    get(...args: any[]): any;
    set(...args: any[]): any;
    types: object;
  }

  /** The instance type of an array type: `Instance<typeof Int4>`. */
  type Instance<T> = T extends ArrayTypeT<infer E> ? ArrayInstance<E> : never;
}

/** ref-array-di style: returns ArrayType bound to `ref`. */
declare function ArrayType(ref: ArrayType.RefModuleLike): ArrayType.ArrayTypeFactory;
/**
 * An array type of `type` elements, `length` long (fixed) or of variable
 * length. Throws ERR_REFFI_UNKNOWN_TYPE for a bad element type and
 * ERR_REFFI_ARG_RANGE for a bad length.
 */
declare function ArrayType<const E extends TypeLike>(type: E & CheckType<E>, length?: number): ArrayType.ArrayTypeT<E>;

export = ArrayType;
