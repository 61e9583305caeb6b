// The page's training worker: it owns the kernels, the arena with the data set and the model, so training
// never blocks the page. It answers the messages of protocol.ts; a Stop aborts the loop (which yields every
// few milliseconds), and the run ends with the weights the training loop keeps (keepsBestWeights). It also
// classifies the Try it panel's images with wasmfit/infer, apart from the training arena.

import { init, decodeFashionMnist, type Session, type Wasmfit } from '../index.js';
import { loadModel, type Classifier } from '../infer.js';
import type { Trainable } from '../../core/network.js';
import { describeSpec } from '../../core/networks.js';
import type { Config } from '../../config/schema.js';
import { confusionMatrix } from '../../report/charts.js';
import { PROGRESS_INTERVAL_SECONDS, SAMPLE_COUNT, type Finished, type FromWorker, type ToWorker } from './protocol.js';

// Typed by hand: the project's lib is DOM, where `self` is a Window.
const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

let wasmfit: Promise<Wasmfit> | undefined;
let session: Session | undefined;
let running: AbortController | undefined;
/** The Try it panel's model: wasmfit/infer's, the same code an app classifies with. */
let classifier: Promise<Classifier> | undefined;

/** Where the page build puts the model that ships with the page (data/models/try_it.safetensors). */
const SHIPPED_MODEL = new URL('./models/try_it.safetensors', import.meta.url);

const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);
const now = () => performance.now() / 1000;

scope.onmessage = (event) => {
  const message = event.data;
  const during = message.type === 'stop' ? 'train' : message.type;
  handle(message).catch((e: unknown) => {
    const err = e as Error & { hint?: string };
    post({ type: 'error', during, hasData: session !== undefined, message: `${err.message ?? String(e)}${err.hint ? ` (hint: ${err.hint})` : ''}` });
  });
};

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init': {
      wasmfit = init({ threads: message.threads, simd: message.simd });
      useClassifier(SHIPPED_MODEL, 'the model shipped with the page');
      const w = await wasmfit;
      post({ type: 'ready', mode: w.mode, threads: w.choice.threads, reason: w.reason });
      return;
    }
    case 'data': {
      if (running) throw new Error('training is running: stop it before loading other data');
      const started = now();
      const decoded = await decodeFashionMnist(message.sources);
      const w = await ready();
      session?.close();
      session = undefined;
      session = await w.open(decoded.raw);
      // Starting the threads may have failed and fallen back to one: the page shows the mode that runs.
      post({ type: 'ready', mode: w.mode, threads: w.choice.threads, reason: w.reason });
      const d = session.data, test = decoded.raw.test, shown = Math.min(SAMPLE_COUNT, test.images.count);
      const { name, shape, classes } = d.description;
      const samples = { pixels: test.images.pixels.slice(0, shown * d.dim), names: Array.from(test.labels.subarray(0, shown), (l) => classes[l]) };
      post({ type: 'data', description: { name, shape: [shape[0], shape[1]], classes: [...classes] }, train: d.train.count, validation: d.validation.count, test: d.test.count,
        verified: decoded.verified, ...(decoded.note ? { note: decoded.note } : {}), seconds: now() - started, samples }, [samples.pixels.buffer]);
      return;
    }
    case 'train':
      return trainRun(message.config);
    case 'stop':
      running?.abort();
      return;
    case 'load-model': {
      if (running) throw new Error('training is running: stop it before loading a model');
      const s = need();
      const { model, test } = s.loadModel(message.bytes, message.name);
      finish({ origin: 'loaded', name: message.name, test }, s, model, message.bytes.slice());
      return;
    }
    case 'classify': {
      const [top] = (await (classifier ?? Promise.reject(new Error('no model to classify with')))).classify(message.pixels, { top: 3 });
      post({ type: 'classified', top });
      return;
    }
  }
}

async function trainRun(config: Config): Promise<void> {
  if (running) throw new Error('training is already running');
  const s = need();
  running = new AbortController();
  let epochStart = now(), lastProgress = -Infinity;
  let stoppedIn: Finished['stoppedIn'];
  try {
    const outcome = await s.train(config, {
      signal: running.signal,
      onBatch(epoch, batch, batches) {
        if (batch === 1) epochStart = now();
        const t = now();
        if (t - lastProgress >= PROGRESS_INTERVAL_SECONDS || batch === batches) {
          lastProgress = t;
          const images = Math.min(batch * config.batch_size, s.data.train.count);
          post({ type: 'progress', epoch, batch, batches, imagesPerSecond: images / Math.max(now() - epochStart, 1e-6) });
        }
      },
      onEpoch(record) {
        post({ type: 'epoch', record });
      },
      onStop(state) {
        if (state.batch > 0) stoppedIn = { epoch: state.epoch + 1, batch: state.batch, batches: Math.ceil(s.data.train.count / config.batch_size) };
      },
    });
    const r = outcome.result;
    const file = await s.modelFile(outcome.model, outcome.test, config, r.best_epoch);
    finish({ origin: 'trained', name: 'model.safetensors', test: outcome.test, weights: r.weights, bestEpoch: r.best_epoch, stopReason: r.stop_reason, epochsRun: r.epochs_run, seconds: r.seconds, ...(stoppedIn ? { stoppedIn } : {}) }, s, outcome.model, file);
  } finally {
    running = undefined;
  }
}

function finish(partial: Omit<Finished, 'file' | 'samples' | 'confusion' | 'architecture'>, s: Session, model: Trainable, bytes: Uint8Array): void {
  const samples = s.predict(model, 0, SAMPLE_COUNT);
  const all = model.predict(s.data, s.data.test);
  const confusion = confusionMatrix(all.predicted, all.labels, s.data.description.classes.length);
  const spec = model.spec;
  const architecture = 'layers' in spec ? { layerSpecs: [], activation: '', layers: describeSpec(spec) } : { layerSpecs: [...spec.layerSpecs], activation: spec.activation };
  useClassifier(bytes.slice(), partial.origin === 'loaded' ? partial.name : "this run's model", partial.test.accuracy);
  post({ type: 'done', result: { ...partial, architecture, file: bytes, samples, confusion } }, [bytes.buffer as ArrayBuffer, samples.pixels.buffer as ArrayBuffer]);
}

/** Makes the model in `source` the Try it panel's, and tells the page which it is once it loads. */
function useClassifier(source: Uint8Array | URL, name: string, accuracy?: number): void {
  classifier = loadModel(source);
  classifier.then((c) => post({ type: 'classifier', name, layerSpecs: [...c.layerSpecs], ...(c.layers ? { layers: describeSpec({ layers: [...c.layers] }) } : {}),
    inputShape: [c.inputShape[0], c.inputShape[1]], classes: [...c.classes], ...(accuracy !== undefined ? { accuracy } : {}) }),
    (e: Error) => post({ type: 'error', during: 'classify', hasData: session !== undefined, message: `${name}: ${e.message}` }));
}

async function ready(): Promise<Wasmfit> {
  return (wasmfit ??= init());
}

function need(): Session {
  if (!session) throw new Error('no data loaded yet: give the page the four data files first');
  return session;
}
