// The numbers the host and these kernels must agree on, exported as constant globals: the host's loader
// (src/core/kernels/wasm.ts) compares each with its own at instantiation and refuses a module that differs,
// so neither side can drift while a comment still claims they match.

/** Activation codes of the fused kernels (the host's ACT). */
export const ACT_NONE: i32 = 0;
export const ACT_TANH: i32 = 1;
export const ACT_SIGMOID: i32 = 2;
export const ACT_RELU: i32 = 3;

/** i32 slots before a row's column offsets in gatherSparse's lists: the count, then the starts of blocks 1 to 3. */
export const NZ_HEADER: i32 = 4;
/** Columns of one block of the lists (the products walk W0 in blocks of as many rows). */
export const NZ_BLOCK_COLUMNS: i32 = 192;
/** The lists hold a column j as j * NZ_COLUMN_BYTES (u32): the byte offset of W0's row j in a full panel. */
export const NZ_COLUMN_BYTES: i32 = 64;
/** Columns of a panel of W0 (src/core/panels.ts); a full panel's row is NZ_COLUMN_BYTES bytes. */
export const PANEL_COLUMNS: i32 = 16;
/** Tiles per chunk of the Winograd weight gradient: the host sizes the scratch for its chunks' partial products. */
export const WINOGRAD_CHUNK_TILES: i32 = 128;
/** Pixels per chunk of the direct convolution's weight gradient: the host sizes the scratch for its chunks' products. */
export const CONV_CHUNK_PIXELS: i32 = 256;
