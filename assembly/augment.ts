// Augmentation in the gathers (the sparse lists of the dense network, the dense batch of a layer list): each
// training image shifted by up to `shift` pixels in x and y (the pixels shifted in are 0) and, with flip, mirrored
// left to right with probability 1/2, drawn from a counter-based hash of (key, row) so that every thread
// gathering the batch, and a resumed run, draws the same. The image's normalisation stays its own.

import { gatherRow } from './gather';

/** murmur3's 32-bit finaliser of key + r * 0x9e3779b9 (as dropout's per-lane hash). */
// @ts-ignore: decorator
@inline function hash(key: u32, r: u32): u32 {
  let x = key + r * 0x9e3779b9;
  x = (x ^ (x >> 16)) * 0x85ebca6b;
  x = (x ^ (x >> 13)) * 0xc2b2ae35;
  return x ^ (x >> 16);
}

/**
 * gatherSparse of images (width x width pixels) moved by (dx, dy) in [-shift, shift] and mirrored where flip
 * != 0 and the hash's top bit is set: output pixel (x, y) is the source's (x - dx, y - dy), read mirrored.
 * The moved image is built in the last quarter of the row's val entries, which its lists never overtake: by
 * chunk j they hold at most j + 16 values, 4(j + 16) bytes, and the unread pixels start at 3 dim + j + 16.
 */
export function gatherSparseAugmented(nz: usize, val: usize, c: usize, y: usize, images: usize, labels: usize, stats: usize, idx: usize, rows: i32, width: i32,
  key: u32, shift: i32, flip: i32): void {
  const w = <usize>width, d = w * w, span = <u32>(2 * shift + 1);
  for (let r: usize = 0; r < <usize>rows; r++) {
    const img = <usize>load<i32>(idx + (r << 2));
    const h = hash(key, <u32>r);
    const dx = <i32>(h % span) - shift, dy = <i32>((h / span) % span) - shift, mirror = flip != 0 && (h >> 31) != 0;
    const src = images + img * d, moved = val + r * (d << 2) + 3 * d;
    for (let yy: i32 = 0; yy < width; yy++) {
      const out = moved + <usize>yy * w, sy = yy - dy;
      memory.fill(out, 0, w);
      if (sy < 0 || sy >= width) continue;
      // Output columns [x0, x1) read source columns x - dx, all inside the image.
      const x0 = max(0, dx), x1 = min(width, width + dx), row = src + <usize>sy * w;
      if (x1 <= x0) continue;
      if (!mirror) memory.copy(out + <usize>x0, row + <usize>(x0 - dx), <usize>(x1 - x0));
      else for (let x = x0; x < x1; x++) store<u8>(out + <usize>x, load<u8>(row + <usize>(width - 1 - (x - dx))));
    }
    gatherRow(nz, val, c, y, r, moved, load<u8>(labels + img), load<f32>(stats + (img << 3)), load<f32>(stats + (img << 3), 4), <i32>d);
  }
}

/**
 * gatherImages of one-channel images (height x width pixels) moved and mirrored by the draws of
 * gatherSparseAugmented: output pixel (x, y) is the source's (x - dx, y - dy), read mirrored, or 0 outside the
 * image, then normalised by the image's own mean and 1/std. Row by row: a batch is small beside its convolutions.
 */
export function gatherImagesAugmented(x: usize, y: usize, images: usize, labels: usize, stats: usize, idx: usize, rows: i32, height: i32, width: i32,
  key: u32, shift: i32, flip: i32): void {
  const w = <usize>width, d = w * <usize>height, span = <u32>(2 * shift + 1);
  for (let r: usize = 0; r < <usize>rows; r++) {
    const img = <usize>load<i32>(idx + (r << 2));
    const h = hash(key, <u32>r);
    const dx = <i32>(h % span) - shift, dy = <i32>((h / span) % span) - shift, mirror = flip != 0 && (h >> 31) != 0;
    const mean = load<f32>(stats + (img << 3)), invStd = load<f32>(stats + (img << 3), 4), zero = (<f32>0 - mean) * invStd;
    const src = images + img * d, dst = x + ((r * d) << 2);
    for (let yy: i32 = 0; yy < height; yy++) {
      const out = dst + ((<usize>yy * w) << 2), sy = yy - dy;
      // Output columns [x0, x1) read source columns x - dx, all inside the image; the rest are 0.
      const inside = sy >= 0 && sy < height;
      const x0 = inside ? min(max(0, dx), width) : width, x1 = inside ? max(x0, min(width, width + dx)) : width;
      for (let xx: i32 = 0; xx < x0; xx++) store<f32>(out + (<usize>xx << 2), zero);
      if (x1 > x0) {
        const row = src + <usize>sy * w;
        for (let xx = x0; xx < x1; xx++) {
          const sx = xx - dx, px = load<u8>(row + <usize>(mirror ? width - 1 - sx : sx));
          store<f32>(out + (<usize>xx << 2), (<f32>px - mean) * invStd);
        }
      }
      for (let xx = x1; xx < width; xx++) store<f32>(out + (<usize>xx << 2), zero);
    }
    store<u8>(y + r, load<u8>(labels + img));
  }
}
