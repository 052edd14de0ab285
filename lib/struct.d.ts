// Type declarations for reffi/struct — the ref-struct-di compatible module.
//
//   const Struct = require('reffi/struct');          // bound to reffi/ref
//   const Struct = require('reffi/struct')(ref);     // ref-struct-di style
//   const Point = Struct({ x: 'double', y: 'int32' });
//   const p = new Point({ x: 1.5, y: 2 });           // p.x: number, p.y: number

import type { TypeLike, TypeObject, Type, ValueOf, InputOf, CheckType, TypedBuffer } from './ref';

declare namespace Struct {
  /** Field types by name: `{ x: 'double', next: ref.refType(Node) }`. */
  type FieldSpecObject = { readonly [name: string]: TypeLike };
  /** The legacy form: `[[type, name], …]`. */
  type FieldSpecPairs = readonly (readonly [TypeLike, string])[];
  type FieldSpec = FieldSpecObject | FieldSpecPairs;

  /** Field name → type, from either form of field spec. */
  type FieldsOf<S> =
    S extends FieldSpecPairs ? { [E in S[number] as E[1]]: E[0] } :
    S extends FieldSpecObject ? { -readonly [K in keyof S]: S[K] } :
    never;

  /** Compile-time check of every type name of a field spec. */
  type CheckFields<S> =
    S extends FieldSpecPairs ? { readonly [I in keyof S]: S[I] extends readonly [infer T, infer N] ? readonly [CheckType<T>, N] : S[I] } :
    { readonly [K in keyof S]: CheckType<S[K]> };

  /** The fields of a type made with `Struct()` and no spec: any name, any value. */
  type DynamicFields = { [name: string]: any };

  /** A struct/union instance: one accessor property per field, reading and writing the backing Buffer. */
  type RecordInstance<F> = { -readonly [K in keyof F]: ValueOf<F[K]> } & RecordBase<F>;

  /** A plain object of field values (what `toObject()` returns). */
  type RecordObject<F> = { -readonly [K in keyof F]: ValueOf<F[K]> };

  /** Initial field values for `new T({...})` / `T.set()`; fields left out stay zero. */
  type RecordInit<F> = { -readonly [K in keyof F]?: InputOf<F[K]> };

  interface RecordBase<F> {
    /** The backing memory; its `type` is the struct type. */
    'ref.buffer': TypedBuffer<RecordInstance<F>>;
    /** A pointer to the instance: its backing Buffer (`.ref().deref()` gives a new instance over the same memory). */
    ref(): TypedBuffer<RecordInstance<F>>;
    toObject(): RecordObject<F>;
    toJSON(): RecordObject<F>;
    inspect(): string;
  }

  /** Field metadata in `T.fields`. */
  interface Field {
    type: TypeObject;
    /** Byte offset of the field (0 for every field of a union). */
    offset: number;
  }

  /**
   * A record type: constructor of instances and ref type object at once
   * (usable as a field type, a `ref.alloc` type, a foreign function argument
   * or return type by value, or with `ref.refType` by pointer).
   */
  interface RecordType<F = DynamicFields>
    extends Type<RecordInstance<F>, RecordInstance<F> | RecordInit<F> | Uint8Array> {
    /** A new zero-filled instance, with `data` written in. */
    new (data?: RecordInit<F> | null): RecordInstance<F>;
    /** An instance over `buffer` (at least `size` bytes; ERR_REFFI_OUT_OF_BOUNDS otherwise), with `data` written in. */
    new (buffer: Uint8Array, data?: RecordInit<F> | null): RecordInstance<F>;
    (data?: RecordInit<F> | null): RecordInstance<F>;
    (buffer: Uint8Array, data?: RecordInit<F> | null): RecordInstance<F>;
    readonly prototype: RecordInstance<F>;
    /** Field name → `{ type, offset }`. */
    fields: { [K in keyof F]: Field };
    size: number;
    alignment: number;
    indirection: number;
    /** Reads an instance viewing `buffer` at `offset`. */
    get(buffer: Uint8Array, offset?: number): RecordInstance<F>;
    /** Copies an instance, a Buffer or a plain object of fields into `buffer` at `offset`. */
    set(buffer: Uint8Array, offset: number | undefined, value: RecordInstance<F> | RecordInit<F> | Uint8Array): void;
    toString(): string;
  }

  interface StructType<F = DynamicFields> extends RecordType<F> {
    /** `true` for `Struct(fields, { packed: true })` (alignment 1, no padding). */
    isPacked: boolean;
    /**
     * Adds a field (before the type is first used: ERR_REFFI_INVALID_TYPE after)
     * and returns the type, with the field in its instance type.
     */
    defineProperty<const K extends string, const T extends TypeLike>(name: K, type: T & CheckType<T>): StructType<F & { [P in K]: T }>;
  }

  interface StructOptions {
    /** Lay the fields out without padding (like `#pragma pack(1)`). */
    packed?: boolean;
  }

  /** Any ref module (reffi/ref, ref-napi) for the dependency-injection form. */
  interface RefModuleLike {
    coerceType(type: any): any;
    refType(type: any): any;
    get(...args: any[]): any;
    set(...args: any[]): any;
    types: object;
  }

  /** The struct type constructor (`Struct(fields?, options?)`). */
  interface StructFactory {
    (): StructType;
    <const S extends FieldSpec>(fields: S & CheckFields<S>, options?: StructOptions | null): StructType<FieldsOf<S>>;
  }

  /** The instance type of a struct/union type: `Instance<typeof Point>`. */
  type Instance<T> = T extends RecordType<infer F> ? RecordInstance<F> : never;
  /** The field-values object a struct/union type accepts: `Init<typeof Point>`. */
  type Init<T> = T extends RecordType<infer F> ? RecordInit<F> : never;
}

/** ref-struct-di style: returns the Struct factory bound to `ref`. */
declare function Struct(ref: Struct.RefModuleLike): Struct.StructFactory;
/** A struct type with no fields yet (add them with `defineProperty`). */
declare function Struct(): Struct.StructType;
/**
 * A struct type with these fields (`{ name: type }`, or `[[type, name], …]`)
 * laid out with the platform C rules. Throws ERR_REFFI_UNKNOWN_TYPE /
 * ERR_REFFI_INVALID_TYPE for a bad field type.
 */
declare function Struct<const S extends Struct.FieldSpec>(fields: S & Struct.CheckFields<S>, options?: Struct.StructOptions | null): Struct.StructType<Struct.FieldsOf<S>>;

export = Struct;
