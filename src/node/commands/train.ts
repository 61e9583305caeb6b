// `wasmfit train`: trains one config, prints a line per epoch and writes the run directory
// (config.yaml; history.json and metrics.csv after every epoch; checkpoints every N epochs and on an
// interrupt; summary.json and model.safetensors at the end). `--resume RUN_DIR` continues from the newest
// checkpoint that verifies.

import { basename, extname, join, resolve } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import { configToYaml, type Config } from '../../config/schema.js';
import type { EpochRecord, LoopState, TrainResult } from '../../train/train.js';
import { decodeCheckpoint, encodeCheckpoint, restoreCheckpoint } from '../../train/checkpoint.js';
import { modelToBytes } from '../../core/model-file.js';
import { ConfigError, WasmfitError } from '../../core/errors.js';
import { loadConfig, parseBackend, parsePositiveInt, parseSimdBuild } from '../config-file.js';
import type { SimdBuild } from '../../core/kernels/wasm.js';
import type { Session, TrainOutcome } from '../../api/session.js';
import { openDataSession, describeBackend } from '../session.js';
import { writeAtomic } from '../files.js';
import { checkpointName, loadLatestCheckpoint, writeCheckpoint } from '../checkpoints.js';
import { installInterrupts, SIGNAL_EXIT_CODES } from '../interrupts.js';
import { loss, pct, rate, secs } from '../../report/format.js';
import { jsonNumbers, Progress, progressMode } from '../progress.js';
import { writeConfusionFigure, writeCurveFigures } from '../figures.js';
import { median } from '../../report/statistics.js';

export interface TrainOptions {
  config?: string;
  resume?: string;
  force?: boolean;
  backend: string;
  epochs?: string;
  seed?: string;
  batchSize?: string;
  learningRate?: string;
  dataDir?: string;
  verify: boolean;
  out?: string;
  checkpointEvery?: string;
  quiet?: boolean;
  json?: boolean;
  threads?: string;
  simd?: string;
}

interface RunBackend { backend: string; simd?: SimdBuild }

const CSV_COLUMNS: (keyof EpochRecord)[] = ['epoch', 'train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'seconds', 'samples_per_second'];

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function writeHistory(dir: string, config: Config, backend: RunBackend, history: EpochRecord[], result?: TrainResult): void {
  const doc = {
    ...backend, config, history,
    best_epoch: result?.best_epoch ?? null, epochs_run: history.length, stop_reason: result?.stop_reason ?? 'running',
    ...(result?.divergence ? { divergence: result.divergence } : {}),
  };
  writeAtomic(join(dir, 'history.json'), JSON.stringify(doc, jsonNumbers, 2) + '\n');
  const rows = history.map((r) => CSV_COLUMNS.map((c) => r[c]).join(','));
  writeAtomic(join(dir, 'metrics.csv'), [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n');
}

/** The config of a new run, or of a resumed one: the run's own, unless the caller forces another. */
function runConfig(options: TrainOptions, resumeDir: string | undefined): Config {
  if (!resumeDir) {
    if (!options.config) throw new ConfigError('train: --config FILE is required (or --resume RUN_DIR)');
    return loadConfig(options.config, options);
  }
  const savedPath = join(resumeDir, 'config.yaml');
  if (!existsSync(savedPath)) throw new ConfigError(`--resume: ${resumeDir} is not a run directory (no config.yaml)`);
  const saved = loadConfig(savedPath);
  const wanted = loadConfig(options.config ?? savedPath, options);
  const changed = (Object.keys(saved) as (keyof Config)[]).filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(wanted[k]));
  if (changed.length && !options.force) {
    const what = changed.map((k) => `${k} ${JSON.stringify(saved[k])} -> ${JSON.stringify(wanted[k])}`).join(', ');
    throw new ConfigError(`--resume: the config differs from the run's (${what}); pass --force to resume with it anyway`);
  }
  return wanted;
}

function resumeFrom(session: Session, config: Config, runDir: string, log: (line: string) => void): LoopState {
  const { value, dir } = loadLatestCheckpoint(runDir, (files, source) => {
    const { state, tensors } = decodeCheckpoint(files.tensors, files.state, source);
    restoreCheckpoint(session.modelFor(config), session.backend.arena, session.data, tensors, source);
    return state.loop;
  }, log);
  log(`wasmfit: resuming from ${dir} (epoch ${value.epoch} done${value.batch ? `, ${value.batch} batches into the next` : ''})`);
  return value;
}

export async function trainCommand(options: TrainOptions): Promise<void> {
  const backendName = parseBackend(options.backend);
  const simd = parseSimdBuild(options.simd, backendName);
  const resumeDir = options.resume ? resolve(options.resume) : undefined;
  const config = runConfig(options, resumeDir);
  const checkpointEvery = options.checkpointEvery === undefined ? 0 : parsePositiveInt(options.checkpointEvery, '--checkpoint-every');
  const progress = new Progress(progressMode(options));
  const print = (line: string) => progress.line(line);
  const warn = (line: string) => {
    progress.clear();
    process.stderr.write(line + '\n');
  };
  const name = basename(options.config ?? 'run', extname(options.config ?? 'run'));
  const dir = resumeDir ?? resolve(options.out ?? join('runs', `${name}-${timestamp()}`));

  // The package API's Session, as the page and embedding programs train: one path, one rule for the weights kept.
  const { session, located } = await openDataSession({
    backend: backendName, dataDir: options.dataDir, verify: options.verify, seed: config.seed,
    threads: options.threads === undefined ? undefined : parsePositiveInt(options.threads, '--threads'), simd,
  });
  const { data } = session, arena = session.backend.arena, model = session.modelFor(config);
  // Which kernels made the numbers: the relaxed build's differ from the plain build's in the last bits.
  const runBackend: RunBackend = backendName === 'wasm' ? { backend: backendName, simd } : { backend: backendName };
  const resume = resumeDir ? resumeFrom(session, config, resumeDir, warn) : undefined;
  const hidden = config.layer_specs.length > 2 ? ` ${config.activation}` : ' softmax regression';
  print(`wasmfit: training ${config.layer_specs.join('-')}${hidden} on the ${describeBackend(backendName, simd)} back end, seed ${config.seed}`);
  print(`data: ${located.dir} (${located.source}${located.verified ? ', checksums verified' : ', checksums not checked'}); ` +
    `${data.train.count} train / ${data.validation.count} validation / ${data.test.count} test`);

  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, 'config.yaml'), configToYaml(config));
  const history: EpochRecord[] = [...(resume?.history ?? [])];
  const width = String(config.epochs).length;
  const checkpoint = (state: LoopState) => writeCheckpoint(dir, checkpointName(state.epoch, state.batch), encodeCheckpoint(model, arena, data, config, state));
  const interrupts = installInterrupts(warn);
  let outcome: TrainOutcome;
  try {
    outcome = await session.train(config, {
      resume,
      signal: interrupts.signal,
      onBatch: (epoch, b, batches) => progress.batch(epoch, config.epochs, b, batches, config.batch_size),
      onEpoch(r, state) {
        history.push(r);
        writeHistory(dir, config, runBackend, history);
        writeCurveFigures(dir, history, { bestEpoch: config.early_stop ? state.stopper.bestEpoch : undefined, name: basename(dir) });
        if (checkpointEvery && r.epoch % checkpointEvery === 0) checkpoint(state);
        progress.json('epoch', { ...r });
        print(`epoch ${String(r.epoch).padStart(width)}/${config.epochs}  train loss ${loss(r.train_loss)} acc ${pct(r.train_accuracy)}  ` +
          `val loss ${loss(r.val_loss)} acc ${pct(r.val_accuracy)}  ${secs(r.seconds)}  ${rate(r.samples_per_second)}`);
      },
      // The live state, before the best weights come back: what a resumed run continues from.
      onStop(state, reason) {
        if (reason === 'interrupted') warn(`wasmfit: checkpoint saved to ${checkpoint(state)}`);
      },
    });
  } finally {
    interrupts.dispose();
  }
  const { result, test } = outcome;

  if (result.stop_reason === 'early_stop') {
    const why = config.early_stop_rule === 'increase' ? 'rose' : 'did not improve';
    print(`stopped early after epoch ${result.epochs_run}: validation loss ${why} ${config.early_stop_epoch} epochs in a row`);
  }
  const bestWeights = result.best_epoch ? `the weights of epoch ${result.best_epoch}` : 'the initial weights';
  if (result.weights === 'best') print(`restored ${bestWeights} (lowest validation loss)`);

  const best = result.history[result.best_epoch - 1];
  writeHistory(dir, config, runBackend, history, result);
  const kept = result.weights === 'best' ? result.best_epoch : undefined;
  writeCurveFigures(dir, history, { bestEpoch: kept, stopEpoch: result.stop_reason === 'early_stop' ? result.epochs_run : undefined, name: basename(dir) });
  const predictions = model.predict(data, data.test);
  writeConfusionFigure(dir, predictions.predicted, predictions.labels);
  writeAtomic(join(dir, 'model.safetensors'), modelToBytes(model, { test_accuracy: String(test.accuracy), test_loss: String(test.loss), best_epoch: String(result.best_epoch) }));
  const summary = {
    // Threads change the time, never the numbers (bit-identical for any count): recorded beside the time.
    config: options.config ? resolve(options.config) : join(dir, 'config.yaml'), ...runBackend, threads: session.backend.threads, seed: config.seed,
    test_accuracy: test.accuracy, test_loss: test.loss,
    best_epoch: result.best_epoch, val_accuracy: best?.val_accuracy ?? null, val_loss: best?.val_loss ?? null,
    epochs_run: result.epochs_run, stop_reason: result.stop_reason, seconds: result.seconds,
    median_epoch_seconds: median(result.history.map((r) => r.seconds)),
  };
  writeAtomic(join(dir, 'summary.json'), JSON.stringify(summary, jsonNumbers, 2) + '\n');
  progress.json('done', { ...summary, run_directory: dir });
  print(`test loss ${loss(test.loss)}  test accuracy ${pct(test.accuracy)}  (${result.epochs_run} epochs, ${secs(result.seconds)})`);
  print(`run directory: ${dir}`);

  if (result.divergence) {
    const d = result.divergence;
    throw new WasmfitError(
      `training diverged: the mean loss was ${loss(d.loss)} at epoch ${d.epoch}, batch ${d.batch}; ${bestWeights} are saved in ${dir}`,
      undefined, `try a smaller learning_rate than ${config.learning_rate}`);
  }
  const signal = interrupts.received();
  if (signal) {
    warn(`wasmfit: interrupted; resume with: wasmfit train --resume ${dir}`);
    process.exitCode = SIGNAL_EXIT_CODES[signal];
  }
}
