// The Try it panel: an image of the model's input shape (28x28 for Fashion-MNIST) from a drawing (mouse, pen or
// touch, through pointer events), a PNG dropped or chosen, or a test image picked with the arrow keys, handed to
// `classify` (the page's worker) whenever it changes, and the three most probable classes shown. It owns only the
// pixels and the drawing; what model classifies them is the worker's.

/** One class of a classification, as wasmfit/infer's classify gives it. */
export interface Ranked {
  class: number;
  name: string;
  probability: number;
}

/** The drawing surface's resolution: ten canvas pixels per image pixel, so a stroke is smooth when shrunk. */
const SCALE = 10;
/** A stroke about two and a half image pixels wide, like a Fashion-MNIST garment's edges. */
const BRUSH = 26;

export interface TryIt {
  /** The test images the strip offers (count images of shape [height, width]) and their true class names. */
  setTestImages(pixels: Uint8Array, labels: string[], shape: readonly [number, number]): void;
  /** Shows the classes of the current image; called with what `classify` answered. */
  showTop(top: Ranked[]): void;
  /** Another model has taken over: a new input shape clears the drawing, the same one is classified again. */
  setModel(shape: readonly [number, number], classes: readonly string[]): void;
}

type Shape = readonly [number, number];
const sameShape = (a: Shape, b: Shape) => a[0] === b[0] && a[1] === b[1];
const FASHION_FIRST_CLASS = 'T-shirt/top';

export function tryIt(classify: (pixels: Uint8Array) => void): TryIt {
  const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  const canvas = $<HTMLCanvasElement>('draw');
  /** The model's input shape [height, width], and whether its classes are Fashion-MNIST's (for the hint). */
  let shape: Shape = [28, 28], garments = true;
  const pen = canvas.getContext('2d')!;
  const small = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;
  /** Sizes the drawing surface and the image canvas for the shape (which clears both). */
  function resize(): void {
    [canvas.height, canvas.width] = [shape[0] * SCALE, shape[1] * SCALE];
    [small.canvas.height, small.canvas.width] = shape;
  }
  resize();
  let blank = true;
  /** The image as given (a test image, a PNG), until a stroke changes it: classified as is, not resampled from the canvas. */
  let given: Uint8Array | undefined;

  function clear(): void {
    pen.fillStyle = '#000';
    pen.fillRect(0, 0, canvas.width, canvas.height);
    blank = true;
    given = undefined;
    $('top3').replaceChildren();
    setNote(garments ? 'Draw a garment, light on dark as in Fashion-MNIST.' : `Draw one of the classes, light on dark, on a ${shape[0]}x${shape[1]} image.`);
  }

  function setNote(text: string): void {
    $('try-note').textContent = text;
  }

  /** The image given, else the drawing shrunk to the model's shape in grey levels (the browser's smoothing filter), light on dark. */
  function pixels(): Uint8Array {
    if (given) return given.slice();
    small.imageSmoothingEnabled = true;
    small.imageSmoothingQuality = 'high';
    small.drawImage(canvas, 0, 0, shape[1], shape[0]);
    return grey(small.getImageData(0, 0, shape[1], shape[0]).data);
  }

  // Live while drawing: at most one request per frame.
  let queued = false;
  function changed(): void {
    blank = false;
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      classify(pixels());
    });
  }

  /** Paints an image of the model's shape over the whole drawing surface, each pixel as a block, so what is classified is what shows. */
  function paint(image: Uint8Array): void {
    const data = new ImageData(shape[1], shape[0]);
    for (let p = 0; p < shape[0] * shape[1]; p++) data.data.set([image[p], image[p], image[p], 255], 4 * p);
    small.putImageData(data, 0, 0);
    pen.imageSmoothingEnabled = false;
    pen.drawImage(small.canvas, 0, 0, canvas.width, canvas.height);
    given = image.slice();
    changed();
  }

  // ---- drawing ----
  let last: { x: number; y: number } | undefined;
  const at = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * canvas.width, y: ((e.clientY - r.top) / r.height) * canvas.height };
  };
  canvas.onpointerdown = (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
    stroke(last);
  };
  canvas.onpointermove = (e) => {
    if (last) stroke(at(e));
  };
  canvas.onpointerup = canvas.onpointercancel = () => (last = undefined);
  function stroke(to: { x: number; y: number }): void {
    pen.strokeStyle = '#fff';
    pen.lineWidth = BRUSH;
    pen.lineCap = pen.lineJoin = 'round';
    pen.beginPath();
    pen.moveTo(last!.x, last!.y);
    pen.lineTo(to.x, to.y);
    pen.stroke();
    last = to;
    given = undefined;
    setNote('Classified as you draw.');
    changed();
  }
  $('clear-drawing').onclick = clear;

  // ---- a PNG, chosen or dropped ----
  async function useImage(file: File): Promise<void> {
    try {
      const { image, inverted } = imageToPixels(await createImageBitmap(file), small, shape);
      paint(image);
      setNote(`${file.name}, shrunk to ${shape[0]}x${shape[1]}${inverted ? ', inverted (a light background)' : ''}.`);
    } catch {
      setNote(`${file.name} is not an image this browser can read; give a PNG.`);
    }
  }
  $('choose-image').onclick = () => $('image-file').click();
  $<HTMLInputElement>('image-file').onchange = (e) => {
    const input = e.target as HTMLInputElement;
    if (input.files?.[0]) void useImage(input.files[0]);
    input.value = '';
  };
  canvas.ondragover = (e) => e.preventDefault();
  canvas.ondrop = (e) => {
    e.preventDefault();
    e.stopPropagation();
    const file = e.dataTransfer?.files[0];
    if (file) void useImage(file);
  };

  // ---- test images, picked with the arrow keys ----
  const strip = $('test-strip');
  let images: Uint8Array = new Uint8Array(0), names: string[] = [], selected = -1, imageShape: Shape = [28, 28];
  function select(i: number): void {
    const options = strip.querySelectorAll('[role="option"]');
    if (i < 0 || i >= options.length) return;
    options[selected]?.setAttribute('aria-selected', 'false');
    options[i].setAttribute('aria-selected', 'true');
    options[i].scrollIntoView({ block: 'nearest', inline: 'nearest' });
    strip.setAttribute('aria-activedescendant', options[i].id);
    selected = i;
    if (!sameShape(imageShape, shape)) {
      setNote(`Test image ${i + 1} is ${imageShape[0]}x${imageShape[1]}, but the model in use takes ${shape[0]}x${shape[1]}: train or load a model for this data.`);
      return;
    }
    const size = shape[0] * shape[1];
    paint(images.subarray(i * size, (i + 1) * size));
    setNote(`Test image ${i + 1} of ${names.length}; its true class: ${names[i]}.`);
  }
  strip.onkeydown = (e) => {
    const next = { ArrowRight: selected + 1, ArrowDown: selected + 1, ArrowLeft: selected - 1, ArrowUp: selected - 1, Home: 0, End: names.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    select(Math.max(0, Math.min(names.length - 1, next)));
  };
  strip.onclick = (e) => {
    const option = (e.target as HTMLElement).closest('[role="option"]');
    if (option) select(Number(option.getAttribute('data-index')));
  };

  clear();
  return {
    setTestImages(pixels, labels, dataShape) {
      images = pixels;
      names = labels;
      selected = -1;
      imageShape = dataShape;
      const [height, width] = dataShape, size = height * width;
      strip.replaceChildren(...labels.map((label, i) => {
        const c = Object.assign(document.createElement('canvas'), { width, height, id: `test-image-${i}` });
        const data = new ImageData(width, height);
        for (let p = 0; p < size; p++) data.data.set([pixels[i * size + p], pixels[i * size + p], pixels[i * size + p], 255], 4 * p);
        c.getContext('2d')!.putImageData(data, 0, 0);
        c.setAttribute('role', 'option');
        c.setAttribute('aria-selected', 'false');
        c.setAttribute('aria-label', `test image ${i + 1}, ${label}`);
        c.dataset.index = String(i);
        return c;
      }));
      strip.hidden = labels.length === 0;
    },
    showTop(top) {
      if (blank) return;
      $('top3').replaceChildren(...top.map((t) => {
        const li = document.createElement('li');
        const bar = Object.assign(document.createElement('meter'), { min: 0, max: 1, value: t.probability });
        li.append(`${t.name} ${(100 * t.probability).toFixed(1)}% `, bar);
        return li;
      }));
    },
    setModel(modelShape, classes) {
      garments = classes[0] === FASHION_FIRST_CLASS;
      if (sameShape(modelShape, shape)) {
        if (!blank) classify(pixels());
        return;
      }
      shape = [modelShape[0], modelShape[1]];
      resize();
      clear();
    },
  };
}

/** Grey levels of RGBA pixels: the mean of the three channels. */
function grey(rgba: Uint8ClampedArray): Uint8Array {
  const out = new Uint8Array(rgba.length / 4);
  for (let p = 0; p < out.length; p++) out[p] = Math.round((rgba[4 * p] + rgba[4 * p + 1] + rgba[4 * p + 2]) / 3);
  return out;
}

/**
 * An image as grey levels of shape [height, width], light on dark: fitted whole into it (its aspect kept, the rest
 * filled with its own background), and inverted when that background is light, as a photo on white or a drawing
 * on paper is.
 */
function imageToPixels(bitmap: ImageBitmap, ctx: CanvasRenderingContext2D, [H, W]: Shape): { image: Uint8Array; inverted: boolean } {
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.clearRect(0, 0, W, H);
  ctx.drawImage(bitmap, 0, 0, W, H);
  const stretched = grey(ctx.getImageData(0, 0, W, H).data);
  let border = 0;
  for (let x = 0; x < W; x++) border += stretched[x] + stretched[(H - 1) * W + x];
  for (let y = 0; y < H; y++) border += stretched[y * W] + stretched[y * W + W - 1];
  const background = border / (2 * (W + H));
  const scale = Math.min(W / bitmap.width, H / bitmap.height), w = bitmap.width * scale, h = bitmap.height * scale;
  ctx.fillStyle = `rgb(${background}, ${background}, ${background})`;
  ctx.fillRect(0, 0, W, H);
  ctx.drawImage(bitmap, (W - w) / 2, (H - h) / 2, w, h);
  const image = grey(ctx.getImageData(0, 0, W, H).data);
  const inverted = background > 127;
  if (inverted) for (let p = 0; p < image.length; p++) image[p] = 255 - image[p];
  return { image, inverted };
}
