// Type declarations for reffi/ffi — the ffi-napi compatible module.
//
// Signatures are inferred from the type lists:
//   const lib = ffi.Library('libm', { pow: ['double', ['double', 'double']] });
//   lib.pow(2, 10);            // (args_0: number, args_1: number) => number
//   await lib.pow.async(2, 10); // Promise<number>
// (`as const` on the spec is accepted but not needed.)

import type {
  ErrorCode, TypeLike, TypeObject, Type, Types, ValueOf, ArgOf, ResolveType, VoidType,
  CheckType, CheckArgTypes, PointerArg, PointerType,
} from './ref';

export type { ErrorCode, ReffiError, TypeLike, TypeObject, Type, Types, ValueOf, InputOf, ArgOf } from './ref';

// ---- signatures ------------------------------------------------------------------

/** The JS argument types of a C argument type list. */
export type ArgValues<A> = { -readonly [I in keyof A]: ArgOf<A[I]> } extends infer L extends any[] ? L : any[];
/** What a JS callback receives for a C argument type list. */
export type CallbackArgValues<A> = { -readonly [I in keyof A]: ValueOf<A[I]> } extends infer L extends any[] ? L : any[];
/** What a JS callback returns for a C return type (`void`: anything, ignored). */
export type CallbackReturn<R> = [ResolveType<R>] extends [VoidType] ? void : ArgOf<R>;
/** A JS function usable as a callback with this C signature. */
export type CallbackFunction<R = any, A = any[]> = (...args: CallbackArgValues<A>) => CallbackReturn<R>;

/** Node-style completion callback of `.async()`. */
export type AsyncCallback<R> = (err: Error | null, result: R) => void;

/**
 * `fn.async(...args, callback)` runs the call on the libuv thread pool and
 * calls back `(err, result)`; without a callback it returns a Promise.
 */
export interface AsyncFunction<R = any, A extends any[] = any[]> {
  (...args: [...A, AsyncCallback<R>]): void;
  (...args: A): Promise<R>;
}

/**
 * A bound C function: checks its arguments (count, types, integer ranges),
 * calls C synchronously and returns the converted result.
 */
export interface ForeignFunction<R = any, A extends any[] = any[]> {
  (...args: A): R;
  /** The same call on the libuv thread pool (callback or Promise form). */
  async: AsyncFunction<R, A>;
}

/** The bound function for a return type and an argument type list. */
export type ForeignFunctionOf<R, A> = ForeignFunction<ValueOf<R>, ArgValues<A>>;

/**
 * A variadic function's generator: call it with the types of the extra
 * arguments (float promoted to double, small integers to int) to get a
 * bound function for the fixed plus those arguments.
 */
export interface VariadicFunction<R = any, A extends readonly unknown[] = any[]> {
  <const V extends readonly TypeLike[]>(...varTypes: V & CheckArgTypes<V>): ForeignFunction<ValueOf<R>, ArgValues<[...A, ...V]>>;
  /** The return type as given (it may be changed, as in ffi-napi). */
  returnType: TypeLike;
  readonly fixedArgTypes: TypeObject[];
}

// ---- C prototypes at the type level ----------------------------------------------------
// A subset of what lib/cdecl.js parses, enough to type `lib.func('int atoi(const char *s)')`
// and prototype strings in Library specs: C scalar spellings, `char *` as a string,
// other pointers as Buffers, function pointers, `...`. Names the type level cannot
// know (typedefs and structs registered with ffi.cdef) are typed `any`.

type CTrimStart<S extends string> = S extends `${' ' | '\t' | '\n' | '\r'}${infer R}` ? CTrimStart<R> : S;
type CTrimEnd<S extends string> = S extends `${infer R}${' ' | '\t' | '\n' | '\r' | ';'}` ? CTrimEnd<R> : S;
type CTrim<S extends string> = CTrimEnd<CTrimStart<S>>;
type CReplace<S extends string, From extends string, To extends string> =
  S extends `${infer A}${From}${infer B}` ? CReplace<`${A}${To}${B}`, From, To> : S;
type CWords<S extends string, Out extends string[] = []> =
  CTrimStart<S> extends `${infer W} ${infer R}` ? CWords<R, W extends '' ? Out : [...Out, W]> :
  CTrimStart<S> extends '' ? Out : [...Out, CTrimStart<S>];
type CSplitParams<S extends string, Depth extends unknown[] = [], Cur extends string = '', Out extends string[] = []> =
  S extends `${infer C}${infer Rest}`
    ? C extends '(' ? CSplitParams<Rest, [...Depth, 0], `${Cur}${C}`, Out>
    : C extends ')' ? CSplitParams<Rest, Depth extends [unknown, ...infer D] ? D : [], `${Cur}${C}`, Out>
    : C extends ',' ? (Depth extends [] ? CSplitParams<Rest, Depth, '', [...Out, Cur]> : CSplitParams<Rest, Depth, `${Cur}${C}`, Out>)
    : CSplitParams<Rest, Depth, `${Cur}${C}`, Out>
    : [...Out, Cur];

type CQualifier = 'const' | 'volatile' | 'restrict' | '__restrict' | 'struct' | 'union' | 'enum' | 'extern' | 'static' | 'inline';
type CInt64Name = 'long' | 'size_t' | 'ssize_t' | 'intptr_t' | 'uintptr_t' | 'ptrdiff_t' | 'off_t' | 'int64_t' | 'uint64_t' | 'intmax_t' | 'uintmax_t';
type CNumberName = 'char' | 'short' | 'int' | 'signed' | 'unsigned' | 'float' | 'double' | 'wchar_t' | 'char16_t' | 'char32_t'
  | 'int8_t' | 'uint8_t' | 'int16_t' | 'uint16_t' | 'int32_t' | 'uint32_t';
type CTypeWord = 'void' | 'bool' | '_Bool' | 'FILE' | CInt64Name | CNumberName;
type CDropQualifiers<W extends string[]> = W extends [infer H extends string, ...infer R extends string[]]
  ? (H extends CQualifier ? CDropQualifiers<R> : [H, ...CDropQualifiers<R>]) : [];
// The last word is a parameter name when it is not a type keyword and follows a type.
type CDropName<W extends string[]> = W extends [...infer Init extends string[], infer Last extends string]
  ? (Init extends [] ? W : Last extends CTypeWord ? W : Init) : W;
type CHas<W extends string[], N extends string> = [Extract<W[number], N>] extends [never] ? false : true;
type CHasEnum<S extends string> = S extends `${string}enum ${string}` ? true : S extends `enum ${string}` ? true : false;
type CScalar<W extends string[], IsEnum extends boolean> =
  CHas<W, 'void'> extends true ? VoidType :
  CHas<W, 'bool' | '_Bool'> extends true ? Types['bool'] :
  CHas<W, 'float' | 'double'> extends true ? Types['double'] :
  CHas<W, CInt64Name> extends true ? Types['int64'] :
  CHas<W, CNumberName> extends true ? Types['int'] :
  IsEnum extends true ? Types['int'] :
  TypeObject;
type CStarCount<S extends string, N extends unknown[] = []> = S extends `${string}*${infer R}` ? CStarCount<R, [...N, 0]> : N['length'];

type CClassify<S extends string, B extends string[]> =
  CStarCount<S> extends 0 ? CScalar<B, CHasEnum<S>>
  : CStarCount<S> extends 1 ? (B extends ['char'] ? Types['CString'] : CScalar<B, false> extends VoidType ? PointerType<VoidType> : PointerType)
  : PointerType;

/** The type object a C type spelling (with or without a parameter name) maps to. */
export type CType<S extends string> =
  S extends `${string}(${string}` ? FunctionType :
  S extends `${string}[${string}` ? PointerType :
  CWords<CReplace<S, '*', ' '>> extends infer W extends string[] ? CClassify<S, CDropName<CDropQualifiers<W>>> : TypeObject;

/** The return type of a prototype's head (`'const char *getenv'`): the last word is the function's name. */
type CReturnType<Head extends string> =
  CWords<CReplace<Head, '*', ' '>> extends [...infer W extends string[], string] ? CClassify<Head, CDropQualifiers<W>> : TypeObject;

type CParams<P extends string> =
  CTrim<P> extends '' | 'void' ? { args: []; variadic: false } :
  CSplitParams<P> extends infer L extends string[]
    ? (L extends [...infer Fixed extends string[], infer Last extends string]
      ? (CTrim<Last> extends '...' ? { args: { [I in keyof Fixed]: CType<CTrim<Fixed[I]>> }; variadic: true }
        : { args: { [I in keyof L]: CType<CTrim<L[I]>> }; variadic: false })
      : { args: []; variadic: false })
    : { args: any[]; variadic: false };

/** `{ ret, args, variadic }` of a C prototype string, or `never` when it is not one. */
export type ParsePrototype<S extends string> =
  CTrim<S> extends `${infer Head}(${infer Rest}`
    ? (CTrim<Rest> extends `${infer Params})` ? { ret: CReturnType<CTrim<Head>> } & CParams<Params> : never)
    : never;

/** A function bound from a variadic C prototype: fixed arguments, then (type, value) pairs. */
export type CVariadicFunction<R = any, A extends any[] = any[]> = (...args: [...A, ...any[]]) => R;

/** The function a C prototype string binds to (typed loosely when the prototype is not understood here). */
export type FunctionFromPrototype<S extends string> =
  string extends S ? ForeignFunction :
  [ParsePrototype<S>] extends [never] ? ForeignFunction :
  ParsePrototype<S> extends { ret: infer R; args: infer A; variadic: infer V }
    ? (V extends true ? CVariadicFunction<ValueOf<R>, ArgValues<A>> : ForeignFunction<ValueOf<R>, ArgValues<A>>)
    : ForeignFunction;

/** `lib.func(...)`: binds a function from a C prototype, or from a name, a return type and argument types. */
export interface LibraryFunc {
  <const S extends string>(prototype: S): FunctionFromPrototype<S>;
  (name: string, result: TypeLike, args: readonly TypeLike[]): ForeignFunction;
}

// ---- Library ---------------------------------------------------------------------------

/** Options, the third element of a Library entry. */
export interface FunctionOptions {
  /** The libffi ABI (only FFI_DEFAULT_ABI on x86-64). */
  abi?: number;
  /** Bind `fn.async` in place of `fn`. */
  async?: boolean;
  /** A variadic function: the entry is a generator taking the extra arguments' types. */
  varargs?: boolean;
}

/** A Library entry: `[returnType, [argTypes…], options?]`. */
export type FunctionSpec = readonly [TypeLike, readonly TypeLike[], FunctionOptions?];
/** The second argument of `ffi.Library`: function name → entry. */
export type LibrarySpec = { readonly [name: string]: FunctionSpec | string | readonly unknown[] };

/** What `ffi.Library` binds for one entry. */
export type FunctionFromSpec<S> =
  S extends string ? FunctionFromPrototype<S> :
  S extends readonly [infer R, infer A extends readonly unknown[], infer O]
    ? (O extends { readonly varargs: true } ? VariadicFunction<R, A>
      : O extends { readonly async: true } ? AsyncFunction<ValueOf<R>, ArgValues<A>>
      : ForeignFunction<ValueOf<R>, ArgValues<A>>)
    : S extends readonly [infer R, infer A extends readonly unknown[]]
      ? ForeignFunction<ValueOf<R>, ArgValues<A>>
      : ForeignFunction;

/** The object `ffi.Library` returns: one bound function per entry, and `func` (unless an entry is named so). */
export type LibraryObject<T> = { [K in keyof T]: FunctionFromSpec<T[K]> } & Omit<LibraryMethods, keyof T>;

export interface LibraryMethods {
  /** Binds one more function: `lib.func('int atoi(const char *s)')` or `lib.func('atoi', 'int', ['string'])`. */
  func: LibraryFunc;
  /** Closes the library (returns 0, like `DynamicLibrary.close()`); calls through its functions then throw ERR_REFFI_LIBRARY_CLOSED. */
  close(): number;
  [Symbol.dispose](): void;
}

/** The library argument of `ffi.Library`: a name or path (the platform suffix is added), `null` for the current process, or a DynamicLibrary. */
export type LibraryName = string | null | undefined | DynamicLibrary;

type CheckEntry<S> = S extends string ? S : S extends readonly [infer R, infer A, ...infer Rest]
  ? readonly [CheckType<R>, CheckArgTypes<A>, ...Rest]
  : S;
/** Compile-time check of every type name in a Library spec. */
export type CheckLibrarySpec<T> = { [K in keyof T]: CheckEntry<T[K]> };

export interface LibraryConstructor {
  /**
   * Loads `libFile` (the platform suffix is added when missing; `null` is
   * the current process) and binds each entry of `funcs`. Throws
   * ERR_REFFI_LIBRARY_NOT_FOUND, ERR_REFFI_SYMBOL_NOT_FOUND, ERR_REFFI_UNKNOWN_TYPE.
   */
  <const T extends LibrarySpec = {}>(libFile: LibraryName, funcs?: T & CheckLibrarySpec<T>): LibraryObject<T>;
  /** Binds the functions onto `lib` and returns it. */
  <const T extends LibrarySpec, L extends object>(libFile: LibraryName, funcs: T & CheckLibrarySpec<T>, lib: L): L & LibraryObject<T>;
  new <const T extends LibrarySpec = {}>(libFile: LibraryName, funcs?: T & CheckLibrarySpec<T>): LibraryObject<T>;
  new <const T extends LibrarySpec, L extends object>(libFile: LibraryName, funcs: T & CheckLibrarySpec<T>, lib: L): L & LibraryObject<T>;
}
export declare const Library: LibraryConstructor;

// ---- DynamicLibrary -------------------------------------------------------------------

/** The `RTLD_*` flags of dlopen. */
export interface Flags {
  RTLD_LAZY: number;
  RTLD_NOW: number;
  RTLD_LOCAL: number;
  RTLD_GLOBAL: number;
  RTLD_NOLOAD: number;
  RTLD_NODELETE: number;
  RTLD_DEEPBIND: number;
}

/** The address of an exported symbol (a zero-length pointer Buffer). */
export interface SymbolPointer extends Buffer {
  name: string;
}

export interface DynamicLibrary {
  /** The address of `symbol` (ERR_REFFI_SYMBOL_NOT_FOUND, ERR_REFFI_LIBRARY_CLOSED). */
  get(symbol: string): SymbolPointer;
  /**
   * Unloads the library (once; later calls do nothing) and returns 0. Functions bound
   * from it then throw ERR_REFFI_LIBRARY_CLOSED instead of jumping into unmapped code.
   */
  close(): number;
  /** The path given to the constructor (`null` for the current process). */
  path(): string | null;
  /** The last loader error message, or `null`. */
  error(): string | null;
  /** Same as `close()` (for `using`). */
  [Symbol.dispose](): void;
}

export interface DynamicLibraryConstructor {
  /** dlopen(`path`, `mode`); `null` is the current process, `mode` defaults to RTLD_LAZY. Throws ERR_REFFI_LIBRARY_NOT_FOUND. */
  new (path?: string | null, mode?: number): DynamicLibrary;
  (path?: string | null, mode?: number): DynamicLibrary;
  readonly FLAGS: Flags;
  readonly prototype: DynamicLibrary;
}
export declare const DynamicLibrary: DynamicLibraryConstructor;

// ---- ForeignFunction, VariadicForeignFunction -----------------------------------------------

export interface ForeignFunctionConstructor {
  /**
   * Binds the C function at `ptr` (ERR_REFFI_NULL_POINTER for NULL,
   * ERR_REFFI_UNKNOWN_TYPE / ERR_REFFI_INVALID_TYPE for bad types).
   */
  <const R extends TypeLike, const A extends readonly TypeLike[]>(
    ptr: Buffer, retType: R & CheckType<R>, argTypes: A & CheckArgTypes<A>, abi?: number): ForeignFunction<ValueOf<R>, ArgValues<A>>;
  new <const R extends TypeLike, const A extends readonly TypeLike[]>(
    ptr: Buffer, retType: R & CheckType<R>, argTypes: A & CheckArgTypes<A>, abi?: number): ForeignFunction<ValueOf<R>, ArgValues<A>>;
}
export declare const ForeignFunction: ForeignFunctionConstructor;

export interface VariadicForeignFunctionConstructor {
  /** A generator of bound functions for the variadic C function at `ptr` (one per list of extra types, cached). */
  <const R extends TypeLike, const A extends readonly TypeLike[]>(
    ptr: Buffer, returnType: R & CheckType<R>, fixedArgTypes: A & CheckArgTypes<A>, abi?: number): VariadicFunction<R, A>;
  new <const R extends TypeLike, const A extends readonly TypeLike[]>(
    ptr: Buffer, returnType: R & CheckType<R>, fixedArgTypes: A & CheckArgTypes<A>, abi?: number): VariadicFunction<R, A>;
}
export declare const VariadicForeignFunction: VariadicForeignFunctionConstructor;

// ---- Callback ------------------------------------------------------------------------

/**
 * A C function pointer that calls a JS function: a zero-length Buffer
 * whose address is the code. It lives while JavaScript holds it (or until
 * released); C calling it after that gets 0 and the call is reported with
 * ERR_REFFI_CALLBACK_RELEASED instead of crashing.
 */
export interface CallbackPointer extends Buffer {
  /** Releases the callback now (idempotent); C calling it later gets 0 and JS an ERR_REFFI_CALLBACK_RELEASED (see docs/callbacks.md). */
  release(): void;
  /** Same as `release()`. */
  close(): void;
  /** Same as `release()` (for `using`). */
  [Symbol.dispose](): void;
}

export interface CallbackConstructor {
  /** A C function pointer of signature `retType (argTypes…)` that runs `fn`. */
  <const R extends TypeLike, const A extends readonly TypeLike[]>(
    retType: R & CheckType<R>, argTypes: A & CheckArgTypes<A>, fn: CallbackFunction<R, A>): CallbackPointer;
  /** With an explicit ABI (only FFI_DEFAULT_ABI; others throw ERR_REFFI_UNSUPPORTED). */
  <const R extends TypeLike, const A extends readonly TypeLike[]>(
    retType: R & CheckType<R>, argTypes: A & CheckArgTypes<A>, abi: number | null | undefined, fn: CallbackFunction<R, A>): CallbackPointer;
  new <const R extends TypeLike, const A extends readonly TypeLike[]>(
    retType: R & CheckType<R>, argTypes: A & CheckArgTypes<A>, fn: CallbackFunction<R, A>): CallbackPointer;
  new <const R extends TypeLike, const A extends readonly TypeLike[]>(
    retType: R & CheckType<R>, argTypes: A & CheckArgTypes<A>, abi: number | null | undefined, fn: CallbackFunction<R, A>): CallbackPointer;
  /** `ptr.release()`; ERR_REFFI_ARG_TYPE when `ptr` is not a reffi callback. */
  release(ptr: CallbackPointer): void;
}
export declare const Callback: CallbackConstructor;

// ---- ffi.Function ----------------------------------------------------------------------

/**
 * A function-pointer type (`ffi.Function(ret, args)`): as an argument it
 * accepts a JS function (wrapped in a Callback for the call), a pointer
 * Buffer or null; read from memory or returned it gives a bound function
 * (or null for NULL).
 */
export interface FunctionType<R = any, A extends readonly unknown[] = any[]>
  extends Type<ForeignFunction<ValueOf<R>, ArgValues<A>> | null, CallbackFunction<R, A> | Uint8Array | null, CallbackFunction<R, A> | PointerArg> {
  retType: TypeObject;
  argTypes: TypeObject[];
  abi: number;
  /** A new Callback with this signature. */
  toPointer(fn: CallbackFunction<R, A>): CallbackPointer;
  /** A bound function calling the C function at `buffer`. */
  toFunction(buffer: Buffer): ForeignFunction<ValueOf<R>, ArgValues<A>>;
}

export interface FunctionTypeConstructor {
  <const R extends TypeLike, const A extends readonly TypeLike[]>(
    retType: R & CheckType<R>, argTypes: A & CheckArgTypes<A>, abi?: number): FunctionType<R, A>;
  new <const R extends TypeLike, const A extends readonly TypeLike[]>(
    retType: R & CheckType<R>, argTypes: A & CheckArgTypes<A>, abi?: number): FunctionType<R, A>;
}
declare const FunctionTypeCtor: FunctionTypeConstructor;
export { FunctionTypeCtor as Function };

// ---- cdef ------------------------------------------------------------------------

/** What `ffi.cdef` returns. */
export interface CdefResult {
  /** The types the block declared, by C name ('struct point', 'point_t', 'enum color', …). */
  types: { [name: string]: TypeObject };
  /** Enum constants by name. */
  constants: { [name: string]: number | string };
  /** The prototypes: bound functions when a library was given, their descriptions otherwise. */
  functions: { [name: string]: any };
  /** With `{ skipUnsupported: true }`: the declarations that were skipped, and why. */
  skipped?: { code: ErrorCode; message: string; line?: number; column?: number }[];
}

export interface CdefOptions {
  /** Skip (and list in `skipped`) declarations that cannot be mapped, and missing symbols, instead of failing the block. */
  skipUnsupported?: boolean;
}

/**
 * Declares the structs, unions, enums, typedefs and prototypes of a block of
 * C declarations (types are registered process-wide by name for later
 * prototypes); with `lib` the prototypes are bound from it. Errors:
 * ERR_REFFI_CDECL_SYNTAX (with `line`/`column`), ERR_REFFI_CDECL_UNSUPPORTED,
 * ERR_REFFI_CDECL_REDEFINITION, ERR_REFFI_UNKNOWN_TYPE.
 */
export declare function cdef(source: string, lib?: LibraryMethods | DynamicLibrary | string | null, options?: CdefOptions): CdefResult;

// ---- misc ------------------------------------------------------------------------

/** The C `errno` captured right after the last foreign call on this thread (sync or async). */
export declare function errno(): number;

/** Call-path counters and live objects (reffi addition, for tests and diagnostics). */
export interface Stats {
  /** Calls that took the register fast path. */
  fast: number;
  /** Calls that went through libffi's ffi_call. */
  generic: number;
  /** Live callbacks. */
  callbacks: number;
  /** Live bound functions. */
  functions: number;
  /** Open libraries. */
  libraries: number;
  /** Callbacks (in this process, ever) whose C entry is one of reffi's own stubs, not a libffi closure. */
  callbackStubs: number;
}
export declare function stats(): Stats;

/** Same object as `ref.types`. */
export declare const types: Types;
/** The platform's shared library suffix ('.so', '.dylib' or '.dll'). */
export declare const LIB_EXT: string;
export declare const FLAGS: Flags;
export declare const RTLD_LAZY: number;
export declare const RTLD_NOW: number;
export declare const RTLD_LOCAL: number;
export declare const RTLD_GLOBAL: number;
export declare const RTLD_NOLOAD: number;
export declare const RTLD_NODELETE: number;
export declare const FFI_OK: number;
export declare const FFI_BAD_TYPEDEF: number;
export declare const FFI_BAD_ABI: number;
export declare const FFI_DEFAULT_ABI: number;
export declare const FFI_UNIX64: number;
export declare const FFI_SYSV: number;
export declare const HAS_OBJC: boolean;
/** Size of a pointer in bytes (8). */
export declare const POINTER_SIZE: number;
