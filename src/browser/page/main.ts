// The page: data in (picked, dropped or the dev server's), a config (one of configs/ or edited), then
// Train / Stop / Download model / Load model. All work happens in worker.ts; this file only posts requests
// and draws what comes back (progress, the epoch table, a grid of test images). The curves and the confusion
// matrix are the CLI's own figures (report/charts.ts), inserted as SVG markup.

import { checkField, networkSpec, parseConfig, type Config } from '../../config/schema.js';
import { describeSpec } from '../../core/networks.js';
import { FASHION_MNIST, FILES, FILE_KEYS } from '../../data/fashion-mnist.js';
import { matchFiles, missingFiles, type DataSources } from '../data.js';
import type { EpochRecord } from '../../train/train.js';
import { accuracyChartSvg, confusionSvg, lossChartSvg, type RunMarks } from '../../report/charts.js';
import { loss, pct } from '../../report/format.js';
import type { Finished, FromWorker, ToWorker } from './protocol.js';

/** configs/*.yaml, name -> text, put in by the page build (src/node/web-build.ts). */
declare const __WASMFIT_CONFIGS__: Record<string, string>;

const MODE_NAMES = { 'wasm-threads': 'WebAssembly SIMD, multi-threaded', 'wasm-simd': 'WebAssembly SIMD, single-threaded', js: 'JavaScript (no WebAssembly SIMD)' };

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);

const state = { ready: false, data: false, training: false, file: undefined as Uint8Array | undefined, history: [] as EpochRecord[], config: undefined as Config | undefined };

function setStatus(id: string, text: string, error = false): void {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle('error', error);
}

function refreshButtons(): void {
  $<HTMLButtonElement>('train').disabled = !(state.ready && state.data) || state.training;
  $<HTMLButtonElement>('stop').disabled = !state.training;
  $<HTMLButtonElement>('download').disabled = !state.file || state.training;
  const load = $<HTMLInputElement>('load-model');
  load.disabled = !(state.ready && state.data) || state.training;
  $('load-model-label').classList.toggle('disabled', load.disabled);
}

// ---- data ----

function useFiles(files: ArrayLike<File>): void {
  const { sources, unknown } = matchFiles(files);
  const missing = missingFiles(sources);
  if (missing.length > 0) {
    setStatus('data-status', `Missing ${missing.join(', ')}${unknown.length ? `; not recognised: ${unknown.join(', ')}` : ''}. Give all four files at once.`, true);
    return;
  }
  loadData(sources as DataSources, `${files.length} chosen files`);
}

function loadData(sources: DataSources, what: string): void {
  state.data = false;
  refreshButtons();
  setStatus('data-status', `Reading ${what}…`);
  send({ type: 'data', sources });
}

async function offerServerData(): Promise<void> {
  let index: { source: string; dir: string; files: Record<string, string> };
  try {
    const response = await fetch('data/index.json');
    if (!response.ok) return; // a static host: no data on offer
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

$<HTMLInputElement>('data-files').onchange = (e) => useFiles((e.target as HTMLInputElement).files ?? []);
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

// ---- run ----

$('train').onclick = () => {
  const config = readConfig();
  if (!config) return;
  state.config = config;
  state.training = true;
  state.history = [];
  $('epochs').querySelector('tbody')!.replaceChildren();
  $('confusion').replaceChildren();
  drawCurves();
  setStatus('result', '');
  setStatus('run-status', 'Training…');
  endProgress(false);
  refreshButtons();
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
$<HTMLInputElement>('load-model').onchange = async (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  if (!file) return;
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
  $('confusion').innerHTML = confusionSvg(r.confusion, FASHION_MNIST.classNames, `Confusion matrix of ${r.origin === 'loaded' ? r.name : 'this run'} (test set)`);
  const grid = $('samples');
  grid.replaceChildren();
  const { pixels, predicted, labels } = r.samples;
  for (let i = 0; i < predicted.length; i++) {
    const [height, width] = FASHION_MNIST.imageShape, size = FASHION_MNIST.pixels;
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
      Object.assign(document.createElement('div'), { className: 'predicted', textContent: `predicted: ${FASHION_MNIST.classNames[predicted[i]]}` }),
      Object.assign(document.createElement('div'), { className: 'true', textContent: `true: ${FASHION_MNIST.classNames[labels[i]]}` }));
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
      setStatus('data-status', `Data ready: ${m.train} train / ${m.validation} validation / ${m.test} test images` +
        ` (${m.verified ? 'checksums verified' : m.note ?? 'checksums not checked'}), read in ${m.seconds.toFixed(1)} s.`);
      break;
    case 'progress':
      $<HTMLProgressElement>('progress').value = m.batch / m.batches;
      setStatus('speed', `epoch ${m.epoch}: batch ${m.batch}/${m.batches}, ${Math.round(m.imagesPerSecond)} images/s`);
      break;
    case 'epoch':
      addEpoch(m.record);
      break;
    case 'done':
      state.training = false;
      showResult(m.result);
      break;
    case 'error':
      if (m.during === 'train' && state.training) {
        state.training = false;
        endProgress(false);
      }
      setStatus(m.during === 'data' ? 'data-status' : m.during === 'init' ? 'mode' : 'run-status', `Error: ${m.message}`, true);
      break;
  }
  refreshButtons();
};
worker.onerror = (e) => {
  e.preventDefault();
  state.training = false;
  setStatus('run-status', `The training worker failed: ${e.message}`, true);
  refreshButtons();
};

// ?threads=N caps the kernel threads; ?simd=relaxed picks the relaxed-SIMD (FMA) kernels, when the browser has them.
const params = new URLSearchParams(location.search);
const threads = params.get('threads'), simd = params.get('simd');
send({ type: 'init', ...(threads ? { threads: Number(threads) } : {}), ...(simd === 'relaxed' ? { simd: 'relaxed' } : {}) });
void offerServerData();
readConfig();
drawCurves();
refreshButtons();
