// Type tests for reffi/ref: types, alloc/deref inference, pointers,
// C strings, 64-bit helpers, Buffer.prototype additions, custom types.
import * as ref from 'reffi/ref';
import { assert, Equal, expectType } from './helpers';

// ---- types and sizes ----------------------------------------------------------------

expectType<ref.NumberType>(ref.types.int);
expectType<ref.CharType>(ref.types.uchar);
expectType<ref.Int64Type>(ref.types.size_t);
expectType<number>(ref.sizeof.pointer + ref.sizeof.int + ref.alignof.double);
expectType<'LE' | 'BE'>(ref.endianness);
assert<Equal<ref.ValueOf<'int'>, number>>();
assert<Equal<ref.ValueOf<'uint64'>, number | string>>();
assert<Equal<ref.InputOf<'uint64'>, number | string | bigint>>();
assert<Equal<ref.ValueOf<'bool'>, boolean>>();
assert<Equal<ref.ValueOf<'void'>, null>>();
assert<Equal<ref.ValueOf<'string'>, string | null>>();
assert<Equal<ref.ValueOf<'CString'>, string | null>>();
assert<Equal<ref.ValueOf<'pointer'>, Buffer>>();
assert<Equal<ref.ValueOf<'char *'>, Buffer>>();
assert<Equal<ref.ValueOf<'const char **'>, Buffer>>();
assert<Equal<ref.ValueOf<'int*'>, Buffer>>();
assert<Equal<ref.ValueOf<typeof ref.types.double>, number>>();
assert<Equal<ref.ValueOf<string>, any>>();
assert<Equal<ref.ResolveName<'nope'>, never>>();
assert<Equal<ref.IsValidType<'nope'>, false>>();
assert<Equal<ref.IsValidType<'unsigned int'>, false>>();
assert<Equal<ref.IsValidType<'ulong'>, true>>();

// coerceType / refType / derefType
const intType = ref.coerceType('int');
assert<Equal<typeof intType, ref.NumberType>>();
const charPP = ref.coerceType('char **');
expectType<ref.PointerType>(charPP);
const intPtr = ref.refType(ref.types.int);
assert<Equal<typeof intPtr, ref.PointerType<ref.NumberType>>>();
const back = ref.derefType(intPtr);
assert<Equal<typeof back, ref.NumberType>>();
expectType<ref.TypeObject>(ref.derefType('int *'));
// @ts-expect-error unknown type name
ref.coerceType('integer');
// @ts-expect-error unknown type name
ref.refType('nope');

// ---- alloc, deref, get, set -------------------------------------------------------

const pInt = ref.alloc('int', 5);
assert<Equal<typeof pInt, ref.TypedBuffer<number>>>();
expectType<number>(pInt.deref());
expectType<number>(ref.deref(pInt));
expectType<number>(ref.get(pInt));
// @ts-expect-error the value must fit the type
ref.alloc('int', 'five');
// @ts-expect-error a deref'd int is not a string
const s: string = pInt.deref();

const p64 = ref.alloc(ref.types.uint64, 2n ** 60n);
assert<Equal<ReturnType<typeof p64.deref>, number | string>>();
ref.alloc('uint64', '18446744073709551615');

const pStr = ref.alloc('string', 'hello');
assert<Equal<ReturnType<typeof pStr.deref>, string | null>>();

const pp = ref.alloc('pointer');
assert<Equal<ReturnType<typeof pp.deref>, Buffer>>();
const ppp = ref.ref(pInt);
assert<Equal<typeof ppp, ref.TypedBuffer<ref.TypedBuffer<number>>>>();
expectType<number>(ppp.deref().deref());
expectType<number>(pInt.ref().deref().deref());

const buf = Buffer.alloc(16);
expectType<number>(ref.get(buf, 0, 'int32'));
expectType<number | string>(ref.get(buf, 8, 'int64'));
expectType<Buffer>(ref.get(buf, 0, 'pointer'));
expectType<boolean>(ref.get(buf, 0, ref.types.bool));
ref.set(buf, 0, 42, 'int32');
ref.set(buf, 8, 1n, 'uint64');
ref.set(buf, 0, null, 'pointer');
ref.set(buf, 0, pInt, ref.refType('int'));
// @ts-expect-error a string into an int32
ref.set(buf, 0, 'x', 'int32');
// @ts-expect-error a number into a pointer
ref.set(buf, 0, 1, 'void *');

// ---- pointers ------------------------------------------------------------------------

expectType<number>(ref.address(buf));
expectType<string>(ref.hexAddress(buf));
expectType<boolean>(ref.isNull(ref.NULL));
expectType<Buffer>(ref.NULL_POINTER);
ref.writePointer(buf, 0, pInt);
ref.writePointer(buf, 8, null);
const r: Buffer = ref.readPointer(buf, 0, 4);
expectType<Buffer>(ref.reinterpret(r, 4, 0));
expectType<Buffer>(ref.reinterpretUntilZeros(r, 1));
// @ts-expect-error writePointer takes a Buffer or null
ref.writePointer(buf, 0, 1234);
expectType<boolean>(ref.isBuffer(buf));

// ---- strings, objects, 64-bit ------------------------------------------------------------

const cs = ref.allocCString('hi');
expectType<string>(ref.readCString(cs, 0));
ref.writeCString(buf, 0, 'hey', 'utf8');
ref.writeObject(buf, 0, { any: 'thing' });
// @ts-expect-error writeObject stores objects (or null), not primitives
ref.writeObject(buf, 0, 42);
expectType<number>(ref.alloc('char', 'a').deref());
expectType<any>(ref.readObject(buf, 0));
expectType<number | string>(ref.readInt64LE(buf, 0));
expectType<number | string>(ref.readUInt64BE(buf));
ref.writeInt64LE(buf, 0, -1n);
ref.writeUInt64(buf, 0, '18446744073709551615');
// @ts-expect-error a boolean is not a 64-bit integer
ref.writeInt64(buf, 0, true);

// ---- Buffer.prototype additions -------------------------------------------------------------

expectType<number>(buf.address());
expectType<string>(buf.hexAddress());
expectType<boolean>(buf.isNull());
expectType<Buffer>(buf.readPointer(0, 8));
buf.writePointer(null, 0);
expectType<string>(cs.readCString());
buf.writeCString('x', 0);
expectType<number | string>(buf.readInt64LE(0));
buf.writeUInt64LE(1n, 0);
expectType<Buffer>(buf.reinterpret(8));
expectType<any>(buf.deref());
expectType<ref.TypeObject | undefined>(buf.type);

// ---- custom types: values inferred from get/set ------------------------------------------------

const DateType = {
  name: 'time_t as Date',
  size: 8,
  indirection: 1,
  get(buffer: Buffer, offset: number): Date {
    return new Date(Number(ref.readInt64LE(buffer, offset)) * 1000);
  },
  set(buffer: Buffer, offset: number, value: Date): void {
    ref.writeInt64LE(buffer, offset, Math.floor(value.getTime() / 1000));
  },
};
assert<Equal<ref.ValueOf<typeof DateType>, Date>>();
assert<Equal<ref.InputOf<typeof DateType>, Date>>();
const pDate = ref.alloc(DateType, new Date());
expectType<Date>(pDate.deref());
// @ts-expect-error the custom type takes a Date
ref.alloc(DateType, 0);

// ---- errors --------------------------------------------------------------------------------------

function codeOf(e: unknown): ref.ErrorCode | undefined {
  return (e as ref.ReffiError).code;
}
expectType<ref.ErrorCode | undefined>(codeOf(new Error()));
const codes: ref.ErrorCode[] = ['ERR_REFFI_OUT_OF_BOUNDS', 'ERR_REFFI_NULL_POINTER', 'ERR_REFFI_ARG_RANGE'];
void codes;
