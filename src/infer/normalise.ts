// How a model normalises an image before its first layer, written once for the classifier and for anyone who
// normalises by hand (docs/model-file.md states the same steps). Per image of n pixels p (0-255), in doubles:
// mean = sum(p) / n, std = sqrt(max(sum(p^2) / n - mean^2, 0)) (the population std); then in float32 (fround):
// m = f32(mean), r = std > 1e-6 ? f32(1 / std) : 0, c = f32(-m * r) and x = f32(f32(p * r) + c).
// A constant image gives zeros. Platform-neutral; it does not check its input (classifier.ts does).

/** Per-image mean and 1/std as training records them (src/data/dataset.ts imageStats), rounded to float32. */
export function normalisationOf(pixels: ArrayLike<number>, from: number, size: number): { mean: number; invStd: number } {
  let sum = 0, sumSq = 0;
  for (let j = from; j < from + size; j++) {
    const p = pixels[j];
    sum += p;
    sumSq += p * p;
  }
  const mean = sum / size, std = Math.sqrt(Math.max(sumSq / size - mean * mean, 0));
  return { mean: Math.fround(mean), invStd: std > 1e-6 ? Math.fround(1 / std) : 0 };
}

/** x (count * size) = the normalised images of pixels (count images of size grey levels 0-255, row-major). */
export function normaliseImages(pixels: ArrayLike<number>, count: number, size: number, x: Float32Array): void {
  for (let i = 0; i < count; i++) {
    const at = i * size, { mean, invStd } = normalisationOf(pixels, at, size);
    const c = Math.fround(-mean * invStd);
    for (let j = at; j < at + size; j++) x[j] = Math.fround(pixels[j] * invStd) + c;
  }
}
