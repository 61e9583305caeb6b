// What the classifier takes as already normalised images. A model normalises each image of n pixels p (0-255) so:
// in doubles, mean = sum(p) / n and std = sqrt(max(sum(p^2) / n - mean^2, 0)) (the population std); then in
// float32, m = f32(mean), r = std > 1e-6 ? f32(1 / std) : 0 and x = f32(f32(p - m) * r), a constant image giving
// zeros (imageStats and the gatherImages kernel compute it; docs/model-file.md states it). Platform-neutral.

/** How far a normalised image's mean may be from 0 and its standard deviation from 1 (float32 rounding is ~1e-7). */
const TOLERANCE = 1e-3;

/**
 * Why x (count images of size values) is not normalised input, or undefined: a value that is not finite, or an
 * image whose mean is not 0 and standard deviation not 1 (or 0: a constant image normalises to zeros).
 */
export function notNormalised(x: Float32Array, count: number, size: number): string | undefined {
  for (let i = 0; i < count; i++) {
    const at = i * size;
    let sum = 0, sumSq = 0;
    for (let j = at; j < at + size; j++) {
      const v = x[j];
      if (!Number.isFinite(v)) return `value ${j} (image ${i}, pixel ${j - at}) is ${v}, expected finite normalised values`;
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / size, std = Math.sqrt(Math.max(sumSq / size - mean * mean, 0));
    if (Math.abs(mean) > TOLERANCE || (Math.abs(std - 1) > TOLERANCE && std > TOLERANCE)) {
      return `image ${i} has mean ${mean.toPrecision(4)} and standard deviation ${std.toPrecision(4)}, expected normalised values (mean 0, standard deviation 1)`;
    }
  }
  return undefined;
}
