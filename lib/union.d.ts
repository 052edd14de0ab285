// Type declarations for reffi/union — the ref-union-di compatible module.
//
//   const Union = require('reffi/union');          // bound to reffi/ref
//   const Union = require('reffi/union')(ref);     // ref-union-di style
//   const Value = Union({ i: 'int32', d: 'double' });
//   const v = new Value({ d: 0.5 });               // v.i: number, v.d: number
//
// A union type has the surface of a struct type (see struct.d.ts); every
// field is at offset 0 and `allFields` is the same object as `fields`.

import Struct = require('./struct');
import type { TypeLike, CheckType } from './ref';

declare namespace Union {
  type FieldSpec = Struct.FieldSpec;
  type FieldsOf<S> = Struct.FieldsOf<S>;
  type CheckFields<S> = Struct.CheckFields<S>;
  type UnionInstance<F> = Struct.RecordInstance<F>;
  type UnionInit<F> = Struct.RecordInit<F>;
  type Instance<T> = Struct.Instance<T>;
  type Init<T> = Struct.Init<T>;

  interface UnionType<F = Struct.DynamicFields> extends Struct.RecordType<F> {
    /** Field name → `{ type, offset: 0 }` (same object as `fields`). */
    allFields: { [K in keyof F]: Struct.Field };
    /** Adds a member (before the type is first used) and returns the type, with the member in its instance type. */
    defineProperty<const K extends string, const T extends TypeLike>(name: K, type: T & CheckType<T>): UnionType<F & { [P in K]: T }>;
  }

  /** The union type constructor (`Union(fields?)`). */
  interface UnionFactory {
    (): UnionType;
    <const S extends FieldSpec>(fields: S & CheckFields<S>): UnionType<FieldsOf<S>>;
  }
}

/** ref-union-di style: returns the Union factory bound to `ref`. */
declare function Union(ref: Struct.RefModuleLike): Union.UnionFactory;
/** A union type with no members yet (add them with `defineProperty`). */
declare function Union(): Union.UnionType;
/**
 * A union type with these members (`{ name: type }`, or `[[type, name], …]`):
 * size of the largest member rounded up to the strictest alignment.
 */
declare function Union<const S extends Union.FieldSpec>(fields: S & Union.CheckFields<S>): Union.UnionType<Union.FieldsOf<S>>;

export = Union;
