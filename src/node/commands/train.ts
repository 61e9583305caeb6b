// `wasmfit train`: trains one config, prints a line per epoch and writes the run directory
// (config.yaml; history.json and metrics.csv after every epoch; checkpoints every N epochs and on an
// interrupt; summary.json and model.safetensors at the end). `--resume RUN_DIR` continues in that directory
// from the newest checkpoint that verifies and was made from the same config and data.

import { basename, extname, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { configDigest, configToYaml, networkSpec, type Config } from '../../config/schema.js';
import { checkNetwork, imageTask } from '../../data/description.js';
import { describeSpec } from '../../core/networks.js';
import { planLayers, summarise } from '../../core/layer-list.js';
import type { EpochRecord, LoopState, TrainResult } from '../../train/train.js';
import { decodeCheckpoint, encodeCheckpoint, restoreCheckpoint, type CheckpointState, type Provenance } from '../../train/checkpoint.js';
import { modelToBytes, runMetadata } from '../../api/model-file.js';
import { ConfigError, WasmfitError } from '../../core/errors.js';
import type { BackendName } from '../../core/kernels/kernels.js';
import { loadConfig } from '../config-file.js';
import { checkSimdBuild } from '../options.js';
import type { SimdBuild } from '../../core/kernels/wasm.js';
import type { Session, TrainOutcome } from '../../api/session.js';
import { dataLocation, openDataSession, describeBackend, describeData, type Located } from '../session.js';
import { writeAtomic } from '../files.js';
import { claimRunDirectory, type RunDirectory } from '../run-dir.js';
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
  backend: BackendName;
  epochs?: number;
  seed?: number;
  batchSize?: number;
  learningRate?: number;
  dataDir?: string;
  verify: boolean;
  out?: string;
  overwrite?: boolean;
  checkpointEvery?: number;
  quiet?: boolean;
  json?: boolean;
  threads?: number;
  simd?: SimdBuild;
  testEachEpoch?: boolean;
}

interface RunBackend { backend: string; simd?: SimdBuild }

const CSV_COLUMNS: (keyof EpochRecord)[] = ['epoch', 'train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'seconds', 'samples_per_second', 'learning_rate', 'elapsed_seconds'];
/** With --test-each-epoch: the test split after every epoch, for curves only (the weights kept are chosen by validation loss). */
const TEST_COLUMNS: (keyof EpochRecord)[] = ['test_loss', 'test_accuracy'];
export const TEST_EACH_EPOCH_NOTE = 'test_loss and test_accuracy: the test split evaluated after every epoch (--test-each-epoch) for learning curves and the time to an accuracy; ' +
  'never used to choose weights, which follow the validation loss; elapsed_seconds leaves these test passes out';

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function writeHistory(dir: string, config: Config, backend: RunBackend, history: EpochRecord[], result?: TrainResult): void {
  const monitored = history.some((r) => r.test_accuracy !== undefined);
  const doc = {
    ...backend, config, ...(monitored ? { test_each_epoch: TEST_EACH_EPOCH_NOTE } : {}), history,
    best_epoch: result?.best_epoch ?? null, epochs_run: history.length, stop_reason: result?.stop_reason ?? 'running',
    ...(result?.divergence ? { divergence: result.divergence } : {}),
  };
  writeAtomic(join(dir, 'history.json'), JSON.stringify(doc, jsonNumbers, 2) + '\n');
  const columns = monitored ? [...CSV_COLUMNS, ...TEST_COLUMNS] : CSV_COLUMNS;
  const rows = history.map((r) => columns.map((c) => r[c] ?? '').join(','));
  writeAtomic(join(dir, 'metrics.csv'), [columns.join(','), ...rows].join('\n') + '\n');
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
  if (!options.force) refuseChangedConfig(saved, wanted, 'the run\'s');
  return wanted;
}

function refuseChangedConfig(saved: Config, wanted: Config, whose: string): void {
  const changed = (Object.keys(saved) as (keyof Config)[]).filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(wanted[k]));
  if (changed.length) {
    const what = changed.map((k) => `${k} ${JSON.stringify(saved[k])} -> ${JSON.stringify(wanted[k])}`).join(', ');
    throw new ConfigError(`--resume: the config differs from ${whose} (${what}); pass --force to resume with it anyway`);
  }
}

/** What this run is made from, as its checkpoints and model file record it. */
const provenanceOf = async (config: Config, located: Located): Promise<Provenance> =>
  ({ config_sha256: (await configDigest(config))!, data_sha256: located.digests });

/** A checkpoint continues only the run it came from: the same config and data (unless forced), and no fewer epochs. */
function checkResumable(state: CheckpointState, config: Config, now: Provenance, force: boolean, source: string): void {
  const started = state.loop.epoch + (state.loop.batch > 0 ? 1 : 0);
  if (config.epochs < started) {
    const done = `${state.loop.epoch} epochs${state.loop.batch > 0 ? ` and part of epoch ${started}` : ''}`;
    throw new ConfigError(`--resume: epochs ${config.epochs} is fewer than the run has done (${done}, ${source}); expected at least ${started}`);
  }
  if (force) return;
  if (state.config_sha256 !== now.config_sha256) refuseChangedConfig(state.config, config, `the checkpoint's (${source})`);
  for (const [file, digest] of Object.entries(now.data_sha256)) {
    const then = state.data_sha256[file];
    if (then !== digest) {
      throw new ConfigError(`--resume: the data file ${file} has SHA-256 ${digest.slice(0, 12)}..., but the checkpoint (${source}) was made from ${then ? `${then.slice(0, 12)}...` : 'other files'}; pass --force to resume with it anyway`);
    }
  }
}

function resumeFrom(session: Session, runDir: string, config: Config, now: Provenance, force: boolean, log: (line: string) => void): LoopState {
  const { value, dir } = loadLatestCheckpoint(runDir, (files, source) => {
    const { state, tensors } = decodeCheckpoint(files.tensors, files.state, source);
    checkResumable(state, config, now, force, source);
    restoreCheckpoint(session.modelFor(config), session.backend.arena, session.data, tensors, source);
    return state.loop;
  }, log);
  log(`wasmfit: resuming from ${dir} (epoch ${value.epoch} done${value.batch ? `, ${value.batch} batches into the next` : ''})`);
  return value;
}

export async function trainCommand(options: TrainOptions): Promise<void> {
  const simd = checkSimdBuild(options.simd, options.backend);
  if (options.resume && options.out) throw new ConfigError('--out: a resumed run continues in its own directory, so --resume takes no --out', 'copy the run directory first to continue it elsewhere');
  if (options.overwrite && !options.out) throw new ConfigError('--overwrite: replaces the run in --out DIR, so it needs --out');
  const resumeDir = options.resume ? resolve(options.resume) : undefined;
  const config = runConfig(options, resumeDir);
  const checkpointEvery = options.checkpointEvery ?? 0;
  if (checkpointEvery > config.epochs) throw new ConfigError(`--checkpoint-every: ${checkpointEvery} is more than the run's ${config.epochs} epochs, so no checkpoint would be written`, `pass at most --checkpoint-every ${config.epochs}`);
  const progress = new Progress(progressMode(options));
  const warn = (line: string) => {
    progress.clear();
    process.stderr.write(line + '\n');
  };
  const name = basename(options.config ?? 'run', extname(options.config ?? 'run'));
  const dir = resumeDir ?? resolve(options.out ?? join('runs', `${name}-${timestamp()}`));
  // Claimed before the data loads, so that a bad --out or one in use fails at once.
  const run = claimRunDirectory(dir, { resume: resumeDir !== undefined, overwrite: options.overwrite === true, warn });
  try {
    await trainInto(run, options, config, { simd, checkpointEvery, progress, warn });
  } finally {
    run.release();
  }
}

async function trainInto(run: RunDirectory, options: TrainOptions, config: Config, how: { simd: SimdBuild; checkpointEvery: number; progress: Progress; warn: (line: string) => void }): Promise<void> {
  const { simd, checkpointEvery, progress, warn } = how;
  const print = (line: string) => progress.line(line);
  const { dir } = run;
  const backendName = options.backend;
  // The package API's Session, as the page and embedding programs train: one path, one rule for the weights kept.
  const { session, located } = await openDataSession({
    backend: backendName, ...dataLocation(options.dataDir, config), dataName: config.data.name, verify: options.verify, seed: config.seed,
    validationFraction: config.data.validation_fraction, threads: options.threads, simd,
  });
  const { data } = session, arena = session.backend.arena;
  checkNetwork(config, data.description, options.config ?? join(dir, 'config.yaml'));
  const model = session.modelFor(config), provenance = await provenanceOf(config, located);
  // Which kernels made the numbers: the relaxed build's differ from the plain build's in the last bits.
  const runBackend: RunBackend = backendName === 'wasm' ? { backend: backendName, simd } : { backend: backendName };
  const resume = options.resume ? resumeFrom(session, dir, config, provenance, options.force === true, warn) : undefined;
  print(`wasmfit: training ${describeSpec(networkSpec(config))} on the ${describeBackend(backendName, simd)} back end, seed ${config.seed}`);
  if (config.layers) print(summarise(planLayers(config.layers, imageTask(data.description), data.description.classes.length)));
  print(`data: ${describeData(located, data.description)}; ` +
    `${data.train.count} train / ${data.validation.count} validation / ${data.test.count} test`);

  run.clearEarlierRun();
  writeAtomic(join(dir, 'config.yaml'), configToYaml(config));
  const history: EpochRecord[] = [...(resume?.history ?? [])];
  const width = String(config.epochs).length;
  const checkpoint = (state: LoopState) => writeCheckpoint(dir, checkpointName(state.epoch, state.batch), encodeCheckpoint(model, arena, data, config, state, provenance));
  const interrupts = installInterrupts(warn);
  let outcome: TrainOutcome;
  try {
    outcome = await session.train(config, {
      resume,
      signal: interrupts.signal,
      testEachEpoch: options.testEachEpoch === true,
      onBatch: (epoch, b, batches) => progress.batch(epoch, config.epochs, b, batches, config.batch_size),
      onEpoch(r, state) {
        history.push(r);
        writeHistory(dir, config, runBackend, history);
        writeCurveFigures(dir, history, { bestEpoch: config.early_stop ? state.stopper.bestEpoch : undefined, name: basename(dir) });
        if (checkpointEvery && r.epoch % checkpointEvery === 0) checkpoint(state);
        progress.json('epoch', { ...r });
        print(`epoch ${String(r.epoch).padStart(width)}/${config.epochs}  train loss ${loss(r.train_loss)} acc ${pct(r.train_accuracy)}  ` +
          `val loss ${loss(r.val_loss)} acc ${pct(r.val_accuracy)}  ${secs(r.seconds)}  ${rate(r.samples_per_second)}` +
          (r.test_accuracy === undefined ? '' : `  (monitor: test acc ${pct(r.test_accuracy)} at ${secs(r.elapsed_seconds)})`));
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
  writeConfusionFigure(dir, predictions.predicted, predictions.labels, data.description.classes);
  writeAtomic(join(dir, 'model.safetensors'), modelToBytes(model, { data: data.description, configSha256: provenance.config_sha256 }, runMetadata(test, result.best_epoch)));
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
