// Multiply-adds of the hot loops, in two builds from one source. The plain SIMD build (the default) keeps
// a separate multiply and add, the order every result in the report was computed in. The relaxed-SIMD build
// (asconfig targets *-relaxed, opt-in) uses f32x4.relaxed_madd, which V8 emits as one FMA instruction where the
// CPU has one: fewer instructions in loops that V8 leaves instruction-bound, and rounding that differs in the
// last bits (fused or not is the engine's choice, so relaxed results may also differ between engines).

/** acc + s x + t y, two terms of a sum. Plain: (acc + s x) + t y. Relaxed: acc + (s x + t y), keeping acc's
 * chain one add long per pair, since chaining two FMAs on acc waits 8 cycles where an add waits 3. */
// @ts-ignore: decorator
@inline export function addTwoProducts(acc: v128, s: v128, x: v128, t: v128, y: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.add(acc, f32x4.relaxed_madd(s, x, f32x4.mul(t, y)));
  return f32x4.add(f32x4.add(acc, f32x4.mul(s, x)), f32x4.mul(t, y));
}

/** acc + s x: one FMA in the relaxed build. */
// @ts-ignore: decorator
@inline export function addProduct(acc: v128, s: v128, x: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(s, x, acc);
  return f32x4.add(acc, f32x4.mul(s, x));
}

/** a b + c, a polynomial's Horner step: one FMA in the relaxed build, mul then add in the plain one. */
// @ts-ignore: decorator
@inline export function mulAdd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
