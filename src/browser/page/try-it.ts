// The Try it panel: a 28x28 image from a drawing (mouse, pen or touch, through pointer events), a PNG dropped
// or chosen, or a test image picked with the arrow keys, handed to `classify` (the page's worker) whenever it
// changes, and the three most probable classes shown. It owns only the pixels and the drawing; what model
// classifies them is the worker's.

/** One class of a classification, as wasmfit/infer's classify gives it. */
export interface Ranked {
  class: number;
  name: string;
  probability: number;
}

const SIDE = 28;
/** The drawing surface's resolution: ten canvas pixels per image pixel, so a stroke is smooth when shrunk. */
const SCALE = 10;
/** A stroke about two and a half image pixels wide, like a Fashion-MNIST garment's edges. */
const BRUSH = 26;

export interface TryIt {
  /** The test images the strip offers (count x 784 pixels) and their true class names. */
  setTestImages(pixels: Uint8Array, labels: string[]): void;
  /** Shows the classes of the current image; called with what `classify` answered. */
  showTop(top: Ranked[]): void;
  /** Classifies the current image again (another model has taken over). */
  refresh(): void;
}

export function tryIt(classify: (pixels: Uint8Array) => void): TryIt {
  const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  const canvas = $<HTMLCanvasElement>('draw');
  canvas.width = canvas.height = SIDE * SCALE;
  const pen = canvas.getContext('2d')!;
  const small = Object.assign(document.createElement('canvas'), { width: SIDE, height: SIDE }).getContext('2d', { willReadFrequently: true })!;
  let blank = true;
  /** The image as given (a test image, a PNG), until a stroke changes it: classified as is, not resampled from the canvas. */
  let given: Uint8Array | undefined;

  function clear(): void {
    pen.fillStyle = '#000';
    pen.fillRect(0, 0, canvas.width, canvas.height);
    blank = true;
    given = undefined;
    $('top3').replaceChildren();
    setNote('Draw a garment, light on dark as in Fashion-MNIST.');
  }

  function setNote(text: string): void {
    $('try-note').textContent = text;
  }

  /** The image given, else the drawing shrunk to 28x28 grey levels (the browser's smoothing filter), light on dark. */
  function pixels(): Uint8Array {
    if (given) return given.slice();
    small.imageSmoothingEnabled = true;
    small.imageSmoothingQuality = 'high';
    small.drawImage(canvas, 0, 0, SIDE, SIDE);
    return grey(small.getImageData(0, 0, SIDE, SIDE).data);
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

  /** Paints 28x28 grey levels over the whole drawing surface, each as a block, so what is classified is what shows. */
  function paint(image: Uint8Array): void {
    const data = new ImageData(SIDE, SIDE);
    for (let p = 0; p < SIDE * SIDE; p++) data.data.set([image[p], image[p], image[p], 255], 4 * p);
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
      const { image, inverted } = imageToPixels(await createImageBitmap(file), small);
      paint(image);
      setNote(`${file.name}, shrunk to 28x28${inverted ? ', inverted (a light background)' : ''}.`);
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
  let images: Uint8Array = new Uint8Array(0), names: string[] = [], selected = -1;
  function select(i: number): void {
    const options = strip.querySelectorAll('[role="option"]');
    if (i < 0 || i >= options.length) return;
    options[selected]?.setAttribute('aria-selected', 'false');
    options[i].setAttribute('aria-selected', 'true');
    options[i].scrollIntoView({ block: 'nearest', inline: 'nearest' });
    strip.setAttribute('aria-activedescendant', options[i].id);
    selected = i;
    paint(images.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE));
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
    setTestImages(pixels, labels) {
      images = pixels;
      names = labels;
      selected = -1;
      strip.replaceChildren(...labels.map((label, i) => {
        const c = Object.assign(document.createElement('canvas'), { width: SIDE, height: SIDE, id: `test-image-${i}` });
        const data = new ImageData(SIDE, SIDE);
        for (let p = 0, v = pixels[i * SIDE * SIDE]; p < SIDE * SIDE; v = pixels[i * SIDE * SIDE + ++p]) data.data.set([v, v, v, 255], 4 * p);
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
    refresh() {
      if (!blank) classify(pixels());
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
 * An image as 28x28 grey levels, light on dark: fitted whole into the square (its aspect kept, the rest filled
 * with its own background), and inverted when that background is light, as a photo on white or a drawing on paper is.
 */
function imageToPixels(bitmap: ImageBitmap, ctx: CanvasRenderingContext2D): { image: Uint8Array; inverted: boolean } {
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.clearRect(0, 0, SIDE, SIDE);
  ctx.drawImage(bitmap, 0, 0, SIDE, SIDE);
  const stretched = grey(ctx.getImageData(0, 0, SIDE, SIDE).data);
  let border = 0;
  for (let i = 0; i < SIDE; i++) border += stretched[i] + stretched[(SIDE - 1) * SIDE + i] + stretched[i * SIDE] + stretched[i * SIDE + SIDE - 1];
  const background = border / (4 * SIDE);
  const scale = SIDE / Math.max(bitmap.width, bitmap.height), w = bitmap.width * scale, h = bitmap.height * scale;
  ctx.fillStyle = `rgb(${background}, ${background}, ${background})`;
  ctx.fillRect(0, 0, SIDE, SIDE);
  ctx.drawImage(bitmap, (SIDE - w) / 2, (SIDE - h) / 2, w, h);
  const image = grey(ctx.getImageData(0, 0, SIDE, SIDE).data);
  const inverted = background > 127;
  if (inverted) for (let p = 0; p < image.length; p++) image[p] = 255 - image[p];
  return { image, inverted };
}
