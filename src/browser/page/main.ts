// The page: data in (picked, dropped or the dev server's), a config (one of configs/ or edited), then
// Train / Stop / Download model / Load model, and the Try it panel (try-it.ts). All work happens in worker.ts;
// this file only posts requests and draws what comes back (progress, the epoch table, a grid of test images).
// The curves and the confusion matrix are the CLI's own figures (report/charts.ts), inserted as SVG markup.

import { checkField, networkSpec, parseConfig, type Config } from '../../config/schema.js';
import { describeSpec } from '../../core/networks.js';
import { FASHION_MNIST, FILES, FILE_KEYS } from '../../data/fashion-mnist.js';
import { matchFiles, missingFiles, type DataSources } from '../data.js';
import type { EpochRecord } from '../../train/train.js';
import { accuracyChartSvg, confusionSvg, lossChartSvg, type RunMarks } from '../../report/charts.js';
import { loss, pct } from '../../report/format.js';
import type { DataSummary, Finished, FromWorker, ToWorker } from './protocol.js';
import { tryIt } from './try-it.js';

/** configs/*.yaml, name -> text, put in by the page build (src/node/web-build.ts). */
declare const __WASMFIT_CONFIGS__: Record<string, string>;

const MODE_NAMES = { 'wasm-threads': 'WebAssembly SIMD, multi-threaded', 'wasm-simd': 'WebAssembly SIMD, single-threaded', js: 'JavaScript (no WebAssembly SIMD)' };

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (message: ToWorker, transfer: Transferable[] = []) => worker.postMessage(message, transfer);

/** What the worker is doing for the page, if anything; every control's enabled state follows from it (refreshControls). */
type Busy = 'data' | 'training' | 'model' | undefined;
const state = {
  ready: false,
  busy: undefined as Busy,
  /** The worker holds a data set (kept when a later one fails to load). */
  data: false,
  file: undefined as Uint8Array | undefined,
  /** The data set the worker holds: its shape and class names label the test images and the confusion matrix. */
  description: { name: 'fashion-mnist', shape: [...FASHION_MNIST.imageShape], classes: [...FASHION_MNIST.classNames] } as DataSummary,
  history: [] as EpochRecord[],
  config: undefined as Config | undefined,
};

const panel = tryIt((pixels) => send({ type: 'classify', pixels }, [pixels.buffer]));

function setStatus(id: string, text: string, error = false): void {
  const el = $(id);
  el.classList.toggle('error', error);
  // Errors interrupt a screen reader; progress waits its turn.
  if (el.hasAttribute('aria-live')) el.setAttribute('aria-live', error ? 'assertive' : 'polite');
  el.textContent = text;
}

/** Controls that hand focus on when they become disabled under it, in order of preference. */
const FOCUS_FALLBACK = ['stop', 'train', 'load-model-button', 'choose-files'];

function refreshControls(): void {
  const idle = state.busy === undefined;
  const enabled: Record<string, boolean> = {
    'train': state.ready && state.data && idle,
    'stop': state.busy === 'training',
    'download': !!state.file && idle,
    'load-model-button': state.ready && state.data && idle,
    'choose-files': idle,
    'use-server-data': idle,
  };
  const focused = document.activeElement;
  for (const [id, on] of Object.entries(enabled)) $<HTMLButtonElement>(id).disabled = !on;
  $('drop').classList.toggle('disabled', !idle);
  // A button disabled under the keyboard's focus would drop it to <body>: move it to the next useful control.
  if (focused instanceof HTMLButtonElement && focused.disabled) {
    const next = FOCUS_FALLBACK.find((id) => enabled[id] && id !== focused.id);
    if (next) $(next).focus();
  }
}

// ---- data ----

function useFiles(files: ArrayLike<File>): void {
  if (state.busy) {
    setStatus('data-status', `Not now: ${state.busy === 'training' ? 'stop the training' : 'wait for the current load'} before giving other data.`, true);
    return;
  }
  const { sources, unknown } = matchFiles(files);
  const missing = missingFiles(sources);
  if (missing.length > 0) {
    setStatus('data-status', `Missing ${missing.join(', ')}${unknown.length ? `; not recognised: ${unknown.join(', ')}` : ''}. Give all four files at once (and a set of your own's dataset.yaml).`, true);
    return;
  }
  loadData(sources as DataSources, `${files.length} chosen files`);
}

function loadData(sources: DataSources, what: string): void {
  state.busy = 'data';
  refreshControls();
  setStatus('data-status', `Reading ${what}…`);
  send({ type: 'data', sources });
}

/** The dev server (web-server.ts) names its data index in a meta tag; a static host has none, and nothing is fetched. */
async function offerServerData(): Promise<void> {
  const href = document.querySelector<HTMLMetaElement>('meta[name="wasmfit-data"]')?.content;
  if (!href) return;
  let index: { source: string; dir: string; files: Record<string, string> };
  try {
    const response = await fetch(href);
    if (!response.ok) return;
    index = await response.json();
  } catch {
    return;
  }
  $('server-data').hidden = false;
  $('server-data-dir').textContent = `${index.dir} (${index.source})`;
  $('use-server-data').onclick = () => {
    const sources = Object.fromEntries(FILE_KEYS.map((k) => [k, new URL(`data/${index.files[k] ?? FILES[k].name + '.gz'}`, location.href).href])) as DataSources;
    loadData(sources, `the server's files from ${index.dir}`);
  };
}

$('choose-files').onclick = () => $('data-files').click();
$<HTMLInputElement>('data-files').onchange = (e) => {
  const input = e.target as HTMLInputElement;
  useFiles(Array.from(input.files ?? []));
  input.value = ''; // the same files chosen again are read again
};
const drop = $('drop');
drop.ondragover = (e) => {
  e.preventDefault();
  drop.classList.add('over');
};
drop.ondragleave = () => drop.classList.remove('over');
drop.ondrop = (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  if (e.dataTransfer) useFiles(e.dataTransfer.files);
};

// ---- config ----

const configs = __WASMFIT_CONFIGS__;
const select = $<HTMLSelectElement>('config-select');
for (const name of Object.keys(configs)) select.add(new Option(`configs/${name}.yaml`, name));
select.value = 'config_6' in configs ? 'config_6' : select.options[0]?.value ?? '';
const showConfig = () => ($<HTMLTextAreaElement>('config-text').value = configs[select.value] ?? '');
select.onchange = showConfig;
showConfig();

const OVERRIDES = [['override-epochs', 'epochs', 'epochs'], ['override-seed', 'seed', 'seed'], ['override-batch-size', 'batch_size', 'batch size'], ['override-learning-rate', 'learning_rate', 'learning rate']] as const;

/** The config as the CLI would resolve it: the YAML (same parser, same messages), then the override fields. */
function readConfig(): Config | undefined {
  try {
    const config = parseConfig($<HTMLTextAreaElement>('config-text').value, `configs/${select.value}.yaml (edited here)`);
    for (const [id, key, label] of OVERRIDES) {
      const text = $<HTMLInputElement>(id).value.trim();
      if (text === '') continue;
      const n = Number(text);
      (config as unknown as Record<string, unknown>)[key] = checkField(key, Number.isFinite(n) ? n : text, `the ${label} field`);
    }
    setStatus('config-status', `${describeSpec(networkSpec(config))}, ` +
      `${config.epochs} epochs at most, batch ${config.batch_size}, learning rate ${config.learning_rate}${config.momentum ? `, momentum ${config.momentum_gamma}` : ''}, seed ${config.seed}`);
    return config;
  } catch (e) {
    setStatus('config-status', (e as Error).message, true);
    return undefined;
  }
}

// ---- query ----

/** The most kernel threads a page may ask for; browsers cap workers well below this. */
const MAX_THREADS = 64;

/** ?threads=N as a count; absent is undefined (every core); anything else is refused on screen and nothing starts. */
function pageThreads(text: string | null): number | undefined | 'invalid' {
  if (text === null || text === '') return undefined;
  const n = Number(text);
  if (/^\d+$/.test(text) && n >= 1 && n <= MAX_THREADS) return n;
  setStatus('mode', `?threads=${text.slice(0, 20)} is not a thread count: give a whole number from 1 to ${MAX_THREADS}, or leave it out for every core.`, true);
  return 'invalid';
}

// ---- run ----

$('train').onclick = () => {
  const config = readConfig();
  if (!config) return;
  state.config = config;
  state.busy = 'training';
  state.history = [];
  $('epochs').querySelector('tbody')!.replaceChildren();
  $('confusion').replaceChildren();
  drawCurves();
  setStatus('result', '');
  setStatus('run-status', 'Training…');
  endProgress(false);
  refreshControls();
  send({ type: 'train', config });
};
$('stop').onclick = () => {
  setStatus('run-status', 'Stopping after this batch…');
  send({ type: 'stop' });
};
$('download').onclick = () => {
  if (!state.file) return;
  const url = URL.createObjectURL(new Blob([state.file as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: 'model.safetensors' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
};
$('load-model-button').onclick = () => $('load-model').click();
$<HTMLInputElement>('load-model').onchange = async (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  if (!file || state.busy) return;
  state.busy = 'model';
  refreshControls();
  setStatus('run-status', `Loading ${file.name}…`);
  send({ type: 'load-model', bytes: new Uint8Array(await file.arrayBuffer()), name: file.name });
  input.value = '';
};

/** The charts' size in SVG units: two side by side fill the page's width at about 1:1 (style.css scales them). */
const CHART_SIZE = { width: 496, height: 320 };
/** Redraw the curves at most this often while epochs stream in (small models finish several a second). */
const REDRAW_MS = 250;
let lastDrawn = 0, redraw: ReturnType<typeof setTimeout> | undefined;

/** Draws the curves now; `marks` once the run is over (the kept epoch, an early stop). */
function drawCurves(marks: RunMarks = {}): void {
  clearTimeout(redraw);
  redraw = undefined;
  lastDrawn = performance.now();
  // Plain markup from report/svg.ts (text escaped, no scripts, no style attributes), so the CSP allows it.
  $('loss-chart').innerHTML = lossChartSvg(state.history, marks, CHART_SIZE);
  $('accuracy-chart').innerHTML = accuracyChartSvg(state.history, marks, CHART_SIZE);
}

/** Draws the curves soon: now if the last drawing is old enough, else once REDRAW_MS has passed. */
function scheduleCurves(): void {
  if (redraw !== undefined) return;
  redraw = setTimeout(drawCurves, Math.max(0, lastDrawn + REDRAW_MS - performance.now()));
}

function addEpoch(r: EpochRecord): void {
  state.history.push(r);
  const row = document.createElement('tr');
  for (const cell of [String(r.epoch), loss(r.train_loss), pct(r.train_accuracy), loss(r.val_loss), pct(r.val_accuracy), `${r.seconds.toFixed(2)} s`, String(Math.round(r.samples_per_second))]) {
    row.append(Object.assign(document.createElement('td'), { textContent: cell }));
  }
  $('epochs').querySelector('tbody')!.append(row);
  scheduleCurves();
  setStatus('run-status', `Epoch ${r.epoch}/${state.config?.epochs ?? '?'} done: validation accuracy ${pct(r.val_accuracy)}, loss ${loss(r.val_loss)}`);
  setStatus('speed', speedLine(r));
}

function speedLine(r: EpochRecord | undefined): string {
  return r ? `last epoch ${r.seconds.toFixed(2)} s, ${Math.round(r.samples_per_second)} images/s` : '';
}

/** Once a run is over: no batch in progress any more; the bar full if training ran to its end, else empty. */
function endProgress(complete: boolean): void {
  $<HTMLProgressElement>('progress').value = complete ? 1 : 0;
  setStatus('speed', speedLine(state.history.at(-1)));
}

function showResult(r: Finished): void {
  state.file = r.file;
  const { layerSpecs, activation, layers } = r.architecture;
  const { shape, classes } = state.description;
  setStatus('architecture', `Network of ${r.origin === 'loaded' ? r.name : 'this run'}: ` + (layers ?? `${layerSpecs.join('-')}` +
    (layerSpecs.length > 2 ? `, ${activation} between layers` : ' (softmax regression)')) +
    `; input ${shape[0]}x${shape[1]} pixels; ${classes.length} classes: ${classes.join(', ')}`);
  const result = $('result');
  result.dataset.testAccuracy = String(r.test.accuracy);
  if (r.origin === 'loaded') {
    setStatus('result', `${r.name}: test accuracy ${pct(r.test.accuracy)} (loss ${loss(r.test.loss)})`);
    setStatus('run-status', `Loaded ${r.name}; Download model saves it again.`);
  } else {
    const why = r.stopReason === 'interrupted' ? 'stopped' : r.stopReason === 'early_stop' ? 'stopped early (validation loss kept rising)'
      : r.stopReason === 'non_finite_loss' ? 'stopped: the loss became infinite or NaN' : r.stopReason === 'diverged' ? 'stopped: the loss diverged' : 'finished';
    // What the training loop kept (keepsBestWeights): the best weights after any stop or with early stopping on.
    const restored = r.weights === 'best';
    const weights = !r.bestEpoch ? 'the initial weights' : restored ? `the weights of epoch ${r.bestEpoch} (lowest validation loss)` : `the weights of the last epoch (${r.bestEpoch})`;
    setStatus('result', `Test accuracy ${pct(r.test.accuracy)} (loss ${loss(r.test.loss)}) with ${weights}`);
    drawCurves({ bestEpoch: restored ? r.bestEpoch : undefined, stopEpoch: r.stopReason === 'early_stop' ? r.epochsRun : undefined });
    const epochs = `${r.epochsRun} epoch${r.epochsRun === 1 ? '' : 's'}`;
    const partial = r.stoppedIn ? ` and ${r.stoppedIn.batch} of ${r.stoppedIn.batches} batches of epoch ${r.stoppedIn.epoch}` : '';
    setStatus('run-status', `Training ${why} after ${epochs}${partial}, in ${(r.seconds ?? 0).toFixed(1)} s; ${restored ? 'restored' : 'kept'} ${weights}.`);
    endProgress(r.stopReason === 'max_epochs' || r.stopReason === 'early_stop');
  }
  $('confusion').innerHTML = confusionSvg(r.confusion, classes, `Confusion matrix of ${r.origin === 'loaded' ? r.name : 'this run'} (test set)`);
  const grid = $('samples');
  grid.replaceChildren();
  const { pixels, predicted, labels } = r.samples;
  for (let i = 0; i < predicted.length; i++) {
    const [height, width] = shape, size = height * width;
    const canvas = Object.assign(document.createElement('canvas'), { width, height });
    const image = new ImageData(width, height);
    for (let p = 0; p < size; p++) {
      const v = 255 - pixels[i * size + p];
      image.data.set([v, v, v, 255], p * 4);
    }
    canvas.getContext('2d')!.putImageData(image, 0, 0);
    const cell = document.createElement('div');
    cell.className = `sample ${predicted[i] === labels[i] ? 'right' : 'wrong'}`;
    cell.append(canvas,
      Object.assign(document.createElement('div'), { className: 'predicted', textContent: `predicted: ${classes[predicted[i]]}` }),
      Object.assign(document.createElement('div'), { className: 'true', textContent: `true: ${classes[labels[i]]}` }));
    grid.append(cell);
  }
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'ready': {
      state.ready = true;
      const mode = $('mode');
      mode.dataset.mode = m.mode;
      mode.textContent = `Back end: ${m.reason}.`;
      mode.title = MODE_NAMES[m.mode];
      break;
    }
    case 'data':
      state.data = true;
      state.busy = undefined;
      state.description = m.description;
      panel.setTestImages(m.samples.pixels, m.samples.names, m.description.shape);
      setStatus('data-status', `Data ready: ${m.train} train / ${m.validation} validation / ${m.test} test images` +
        ` (${m.verified ? 'checksums verified' : m.note ?? 'checksums not checked'}), read in ${m.seconds.toFixed(1)} s; ` +
        `${m.description.name}: ${m.description.shape[0]}x${m.description.shape[1]} pixels, ${m.description.classes.length} classes.`);
      break;
    case 'progress':
      $<HTMLProgressElement>('progress').value = m.batch / m.batches;
      setStatus('speed', `epoch ${m.epoch}: batch ${m.batch}/${m.batches}, ${Math.round(m.imagesPerSecond)} images/s`);
      break;
    case 'epoch':
      addEpoch(m.record);
      break;
    case 'done':
      state.busy = undefined;
      showResult(m.result);
      break;
    case 'classifier':
      setStatus('try-model', `Classifying with ${m.name} (${m.layers ?? m.layerSpecs.join('-')}${m.accuracy !== undefined ? `, ${pct(m.accuracy)} test accuracy` : ''}).`);
      panel.setModel(m.inputShape, m.classes);
      break;
    case 'classified':
      panel.showTop(m.top);
      break;
    case 'error': {
      if (m.during === 'classify') {
        setStatus('try-model', `Error: ${m.message}`, true);
        break;
      }
      if (m.during === 'train' && state.busy === 'training') endProgress(false);
      if (m.during !== 'init') state.busy = undefined;
      state.data = m.hasData;
      const kept = m.during === 'data' && m.hasData ? ' The data loaded before is still in use.' : '';
      setStatus(m.during === 'data' ? 'data-status' : m.during === 'init' ? 'mode' : 'run-status', `Error: ${m.message}${kept}`, true);
      break;
    }
  }
  refreshControls();
};
worker.onerror = (e) => {
  e.preventDefault();
  state.busy = undefined;
  state.ready = false;
  setStatus('run-status', `The training worker failed: ${e.message}`, true);
  refreshControls();
};

// ?threads=N caps the kernel threads; ?simd=relaxed picks the relaxed-SIMD (FMA) kernels, when the browser has them.
const params = new URLSearchParams(location.search);
const threads = pageThreads(params.get('threads')), simd = params.get('simd');
if (threads !== 'invalid') send({ type: 'init', ...(threads ? { threads } : {}), ...(simd === 'relaxed' ? { simd: 'relaxed' } : {}) });
void offerServerData();
readConfig();
drawCurves();
refreshControls();
