// The dense batch for networks that read whole images (convolutions): picks images by index, widens u8 pixels
// to f32 normalised per image, and copies the labels. Widened pixels are 0-255, so the signed i32->f32 conversion
// is exact, and it is one instruction on x86 where the unsigned one is emulated.

/** x (rows, dim) f32 = (images[idx[r]] - mean) * invStd with stats[idx[r]] = (mean, invStd); y (rows) u8 = labels[idx[r]]. */
export function gatherImages(x: usize, y: usize, images: usize, labels: usize, stats: usize, idx: usize, rows: i32, dim: i32): void {
  const d = <usize>dim, d16 = <usize>(dim & ~15);
  for (let r: usize = 0; r < <usize>rows; r++) {
    const img = <usize>load<i32>(idx + (r << 2));
    const mean = load<f32>(stats + (img << 3)), invStd = load<f32>(stats + (img << 3), 4);
    const vm = f32x4.splat(mean), vs = f32x4.splat(invStd);
    const src = images + img * d, dst = x + ((r * d) << 2);
    let j: usize = 0;
    for (; j < d16; j += 16) {
      const px = v128.load(src + j);
      const lo = i16x8.extend_low_i8x16_u(px), hi = i16x8.extend_high_i8x16_u(px);
      const out = dst + (j << 2);
      v128.store(out, f32x4.mul(f32x4.sub(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(lo)), vm), vs));
      v128.store(out, f32x4.mul(f32x4.sub(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(lo)), vm), vs), 16);
      v128.store(out, f32x4.mul(f32x4.sub(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(hi)), vm), vs), 32);
      v128.store(out, f32x4.mul(f32x4.sub(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(hi)), vm), vs), 48);
    }
    for (; j < d; j++) store<f32>(dst + (j << 2), (<f32>load<u8>(src + j) - mean) * invStd);
    store<u8>(y + r, load<u8>(labels + img));
  }
}
