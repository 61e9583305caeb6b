// `wasmfit train`: trains one config, prints a line per epoch and writes the run directory
// (config.yaml, history.json, metrics.csv after every epoch; summary.json and model.safetensors at the end).

import { basename, extname, join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { configToYaml, type Config } from '../../config/schema.js';
import { train, type EpochRecord, type TrainResult } from '../../train/train.js';
import { modelToBytes } from '../../core/model-file.js';
import { loadConfig, parseBackend } from '../config-file.js';
import { openSession, describeBackend } from '../session.js';
import { writeAtomic } from '../files.js';
import { loss, pct, rate, secs } from '../format.js';

export interface TrainOptions {
  config: string;
  backend: string;
  epochs?: string;
  seed?: string;
  batchSize?: string;
  learningRate?: string;
  dataDir?: string;
  verify: boolean;
  out?: string;
  quiet?: boolean;
}

const CSV_COLUMNS: (keyof EpochRecord)[] = ['epoch', 'train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'seconds', 'samples_per_second'];

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function writeHistory(dir: string, config: Config, backend: string, history: EpochRecord[], result?: TrainResult): void {
  const doc = { backend, config, history, best_epoch: result?.best_epoch ?? null, epochs_run: history.length, stop_reason: result?.stop_reason ?? 'running' };
  writeAtomic(join(dir, 'history.json'), JSON.stringify(doc, null, 2) + '\n');
  const rows = history.map((r) => CSV_COLUMNS.map((c) => r[c]).join(','));
  writeAtomic(join(dir, 'metrics.csv'), [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n');
}

export async function trainCommand(options: TrainOptions): Promise<void> {
  const backendName = parseBackend(options.backend);
  const config = loadConfig(options.config, options);
  const print = options.quiet ? () => {} : (line: string) => console.log(line);
  const name = basename(options.config, extname(options.config));
  const dir = resolve(options.out ?? join('runs', `${name}-${timestamp()}`));

  const session = await openSession({
    backend: backendName, dataDir: options.dataDir, verify: options.verify, seed: config.seed,
    spec: { layerSpecs: config.layer_specs, activation: config.activation }, batchRows: config.batch_size,
  });
  const { model, data, located } = session;
  const hidden = config.layer_specs.length > 2 ? ` ${config.activation}` : ' softmax regression';
  print(`wasmfit: training ${config.layer_specs.join('-')}${hidden} on the ${describeBackend(backendName)} back end, seed ${config.seed}`);
  print(`data: ${located.dir} (${located.source}${located.verified ? ', checksums verified' : ', checksums not checked'}); ` +
    `${data.train.count} train / ${data.validation.count} validation / ${data.test.count} test`);

  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, 'config.yaml'), configToYaml(config));
  const history: EpochRecord[] = [];
  const width = String(config.epochs).length;
  const result = train(model, data, session.arena, config, {
    onEpoch(r) {
      history.push(r);
      writeHistory(dir, config, backendName, history);
      print(`epoch ${String(r.epoch).padStart(width)}/${config.epochs}  train loss ${loss(r.train_loss)} acc ${pct(r.train_accuracy)}  ` +
        `val loss ${loss(r.val_loss)} acc ${pct(r.val_accuracy)}  ${secs(r.seconds)}  ${rate(r.samples_per_second)}`);
    },
  });
  if (result.stop_reason === 'early_stop') {
    const why = config.early_stop_rule === 'increase' ? 'rose' : 'did not improve';
    print(`stopped early after epoch ${result.epochs_run}: validation loss ${why} ${config.early_stop_epoch} epochs in a row`);
  }
  if (config.early_stop) print(`restored the weights of epoch ${result.best_epoch} (lowest validation loss)`);

  const test = model.evaluate(data, data.test);
  const best = result.history[result.best_epoch - 1];
  writeHistory(dir, config, backendName, history, result);
  writeAtomic(join(dir, 'model.safetensors'), modelToBytes(model, { test_accuracy: String(test.accuracy), test_loss: String(test.loss) }));
  const summary = {
    config: resolve(options.config), backend: backendName, seed: config.seed,
    test_accuracy: test.accuracy, test_loss: test.loss,
    best_epoch: result.best_epoch, val_accuracy: best?.val_accuracy ?? null, val_loss: best?.val_loss ?? null,
    epochs_run: result.epochs_run, stop_reason: result.stop_reason, seconds: result.seconds,
    median_epoch_seconds: median(result.history.map((r) => r.seconds)),
  };
  writeAtomic(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  print(`test loss ${loss(test.loss)}  test accuracy ${pct(test.accuracy)}  (${result.epochs_run} epochs, ${secs(result.seconds)})`);
  print(`run directory: ${dir}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : 0;
}
