// Type tests for reffi/struct, reffi/array and reffi/union: field types
// become typed properties, instances are values of the types everywhere.
import * as ref from 'reffi/ref';
import Struct = require('reffi/struct');
import ArrayType = require('reffi/array');
import Union = require('reffi/union');
import { assert, Equal, expectType } from './helpers';

// ---- Struct ----------------------------------------------------------------------------

const Point = Struct({ x: 'double', y: 'int32' });
const p = new Point({ x: 1.5, y: 2 });
assert<Equal<typeof p.x, number>>();
assert<Equal<typeof p.y, number>>();
p.x = 3;
// @ts-expect-error wrong field type
p.y = 'two';
// @ts-expect-error no such field
p.z = 1;
// @ts-expect-error wrong field type in the initializer
new Point({ x: 'one' });
// @ts-expect-error unknown field type name
Struct({ x: 'dubble' });

const p2 = Point({ y: 1 });
expectType<number>(p2.y);
const p3 = new Point(Buffer.alloc(Point.size));
const p4 = new Point(Buffer.alloc(16), { x: 1 });
expectType<number>(p3.x + p4.x);
expectType<number>(Point.size + Point.alignment + Point.indirection);
expectType<number>(Point.fields.x.offset);
expectType<ref.TypeObject>(Point.fields.y.type);
expectType<boolean>(Point.isPacked);

// toObject / toJSON
const obj = p.toObject();
assert<Equal<typeof obj, { x: number; y: number }>>();
expectType<{ x: number; y: number }>(p.toJSON());

// .ref() / .ref().deref() / ref.buffer
const pRef = p.ref();
expectType<number>(pRef.deref().x);
expectType<Buffer>(p['ref.buffer']);

// as a ref type: alloc, get, set
const pBuf = ref.alloc(Point, { x: 1, y: 2 });
expectType<number>(pBuf.deref().y);
const viaGet = ref.get(Buffer.alloc(16), 0, Point);
expectType<number>(viaGet.x);
ref.set(Buffer.alloc(16), 0, p, Point);
ref.set(Buffer.alloc(16), 0, { x: 1 }, Point);
Point.set(Buffer.alloc(16), 0, { y: 2 });
expectType<number>(Point.get(Buffer.alloc(16), 0).x);

// instance / init helper types
type PointT = Struct.Instance<typeof Point>;
expectType<number>(({} as PointT).x);
const init: Struct.Init<typeof Point> = { x: 1 };
void init;

// 64-bit, bool, string, pointer fields
const Rec = Struct({
  id: 'uint64',
  ok: 'bool',
  name: 'string',
  data: 'pointer',
  next: ref.refType('void'),
  score: ref.types.float,
});
const rec = new Rec({ id: 1n, ok: true, name: 'x', data: null });
assert<Equal<typeof rec.id, number | string>>();
assert<Equal<typeof rec.ok, boolean>>();
assert<Equal<typeof rec.name, string | null>>();
assert<Equal<typeof rec.data, Buffer>>();
assert<Equal<typeof rec.next, Buffer>>();
assert<Equal<typeof rec.score, number>>();
rec.name = null;
rec.data = Buffer.alloc(4);
// @ts-expect-error a bool field is a boolean
rec.ok = 'yes';

// nested structs, pointers to structs
const Line = Struct({ a: Point, b: Point, p: ref.refType(Point) });
const line = new Line({ a: { x: 1 }, b: p });
assert<Equal<typeof line.a.x, number>>();
expectType<number>(line.b.y);
expectType<Buffer>(line.p);
// @ts-expect-error nested field type
new Line({ a: { x: 'one' } });

// the legacy [[type, name], …] form
const Legacy = Struct([['int', 'a'], ['double', 'b']]);
const lg = new Legacy();
assert<Equal<typeof lg.a, number>>();
assert<Equal<typeof lg.b, number>>();

// packed
const Packed = Struct({ c: 'char', d: 'double' }, { packed: true });
expectType<number>(new Packed().d);

// Struct() + defineProperty: untyped fields, or typed through the chain
const Dyn = Struct();
Dyn.defineProperty('a', 'int');
expectType<any>(new Dyn().a);
const Chained = Struct().defineProperty('a', 'int').defineProperty('s', 'string');
const ch = new Chained();
assert<Equal<typeof ch.a, number>>();
assert<Equal<typeof ch.s, string | null>>();
// @ts-expect-error unknown type name in defineProperty
Struct().defineProperty('a', 'integer');

// dependency injection form
const StructDI = Struct(ref);
const Q = StructDI({ v: 'int16' });
expectType<number>(new Q().v);

// ---- ArrayType -------------------------------------------------------------------------

const Int4 = ArrayType('int', 4);
const a = new Int4([1, 2, 3, 4]);
assert<Equal<typeof a[0], number>>();
expectType<number>(a.length);
expectType<Buffer>(a.buffer);
expectType<number[]>(a.toArray());
a[1] = 5;
// @ts-expect-error elements are numbers
a[1] = 'five';
for (const v of a) expectType<number>(v);
expectType<number | undefined>(Int4.fixedLength);
expectType<number>(Int4.BYTES_PER_ELEMENT);
expectType<ref.TypeObject>(Int4.type);
expectType<number>(a.ref().deref()[0]);
expectType<number>(a.slice(1, 3)[0]);

const Doubles = ArrayType(ref.types.double);
const d = Doubles(3);
expectType<number>(d[2]);
expectType<number>(Doubles(Buffer.alloc(24))[0]);
expectType<number>(Doubles.untilZeros(Buffer.alloc(8))[0]);
// @ts-expect-error unknown element type name
ArrayType('dbl');

const Strings = ArrayType('string');
assert<Equal<(typeof Strings)['prototype'][0], string | null>>();

// arrays of structs, arrays in structs
const Points = ArrayType(Point, 2);
const pts = new Points([{ x: 1 }, p]);
expectType<number>(pts[0].x);
const WithArr = Struct({ v: ArrayType('uint8', 16), n: 'int' });
const wa = new WithArr({ v: [1, 2, 3] });
expectType<number>(wa.v[0]);
expectType<number>(ArrayType(ref)('int', 2)(2)[0]);

// ---- Union -----------------------------------------------------------------------------

const Value = Union({ i: 'int32', d: 'double', p: 'pointer' });
const u = new Value({ d: 0.5 });
assert<Equal<typeof u.i, number>>();
assert<Equal<typeof u.d, number>>();
assert<Equal<typeof u.p, Buffer>>();
expectType<number>(Value.allFields.i.offset);
expectType<number>(Value.fields.d.offset);
// @ts-expect-error wrong member type
u.i = 'x';
const UnionDI = Union(ref);
const U2 = UnionDI({ a: 'uint8' }).defineProperty('b', 'uint16');
expectType<number>(new U2().b);
const S2 = Struct({ tag: 'int', value: Value });
expectType<number>(new S2().value.d);
