// Compile-time assertions for the type tests.

/** `true` when X and Y are the same type (not just mutually assignable). */
export type Equal<X, Y> =
  (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false;

/** Fails to compile unless `T` is `true`: `assert<Equal<typeof x, number>>()`. */
export function assert<T extends true>(): void {
  void (0 as unknown as T);
}

/** Fails to compile unless `value` is assignable to `T`. */
export function expectType<T>(value: T): T {
  return value;
}
