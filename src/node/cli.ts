#!/usr/bin/env node
// The wasmfit command line: composes the commands and maps every failure to one line and an exit code
// (2 for usage and config errors, 1 for runtime failures). Stack traces only with --debug.

import { Command, CommanderError, Option } from 'commander';
import { WasmfitError, EXIT_RUNTIME, EXIT_USAGE } from '../core/errors.js';
import { trainCommand } from './commands/train.js';
import { evaluateCommand } from './commands/evaluate.js';
import { gradcheckCommand } from './commands/gradcheck.js';
import { dataCommand } from './commands/data.js';
import { benchCommand } from './commands/bench.js';
import { CHROMIUM_PATHS } from './chromium.js';
import { experimentsCommand } from './commands/experiments.js';
import { samplesCommand } from './commands/samples.js';
import { inspectCommand } from './commands/inspect.js';

const backendOption = () => new Option('--backend <name>', 'kernel back end: wasm (SIMD) or js (reference)').default('wasm');
const dataDirOption = () => new Option('--data-dir <dir>', 'directory holding the four Fashion-MNIST IDX files (else FASHION_MNIST_DIR, data/fashion-mnist, /usr/share/datasets/fashion-mnist)');
const noVerifyOption = () => new Option('--no-verify', 'skip the SHA-256 check (for other IDX data sets)');

const program = new Command()
  .name('wasmfit')
  .description('Fashion-MNIST neural-network trainer with WebAssembly SIMD kernels')
  .option('--debug', 'print stack traces on errors')
  .configureOutput({ outputError: (text, write) => write(`wasmfit: ${text.trim().replace(/\s*\n\s*/g, " ")} (see wasmfit --help)\n`) })
  .exitOverride();

program.command('train')
  .description('train a network from a YAML config and write a run directory')
  .option('--config <file>', 'YAML config (see configs/)')
  .option('--resume <run-dir>', 'continue a run from its newest good checkpoint')
  .option('--force', 'with --resume: accept a config that differs from the run\'s')
  .option('--checkpoint-every <n>', 'write a checkpoint every n epochs (one is always written on an interrupt)')
  .addOption(backendOption())
  .option('--epochs <n>', 'override the config\'s epochs')
  .option('--seed <n>', 'override the config\'s seed')
  .option('--batch-size <n>', 'override the config\'s batch_size')
  .option('--learning-rate <x>', 'override the config\'s learning_rate')
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .option('--out <dir>', 'run directory (default runs/<config>-<time>)')
  .option('--quiet', 'print nothing; results are in the run directory')
  .option('--json', 'print one JSON object per line: an "epoch" object per epoch, a "done" object at the end')
  .option('--threads <n>', 'kernel threads of the wasm back end (default: every core; 1 = no worker threads)')
  .option('--simd <build>', 'wasm kernel build: plain (default) or relaxed (FMA via relaxed SIMD: faster, last bits differ)')
  .action(trainCommand);

program.command('evaluate')
  .description('report test loss and accuracy of a model file')
  .requiredOption('--model <file>', 'model.safetensors written by wasmfit train')
  .addOption(backendOption())
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .option('--json', 'print one JSON object')
  .action(evaluateCommand);

program.command('gradcheck')
  .description('compare backprop gradients with numerical ones (the report\'s Table 3)')
  .requiredOption('--config <file>', 'YAML config (see configs/)')
  .addOption(backendOption())
  .option('--seed <n>', 'override the config\'s seed')
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .action(gradcheckCommand);

program.command('data')
  .description('find the Fashion-MNIST files, verify them and describe the split')
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .option('--seed <n>', 'seed of the train/validation split', '0')
  .action(dataCommand);

program.command('bench')
  .description('verify the kernels against the JS reference, then time them and whole epochs, beside TensorFlow.js, NumPy and PyTorch')
  .option('--threads <n>', 'most threads to measure (default: every core)')
  .option('--epochs <n>', 'timed epochs per wasmfit session and peer run (after one warm-up epoch)', '3')
  .option('--out <dir>', 'where bench.json and bench.md go', 'results/bench')
  .option('--no-js', 'skip the JS reference epoch (about 10 s)')
  .option('--no-tfjs', 'skip the TensorFlow.js epochs (a dev dependency; skipped with a note when missing)')
  .option('--browser [path]', `time the page's epoch in headless Chromium, 1 and 2 threads (default: on when one is found at ${CHROMIUM_PATHS[0]} or the like)`)
  .option('--no-browser', 'skip the Chromium epochs')
  .option('--python [path]', 'the Python whose NumPy and PyTorch time the same epoch (default: python3, then /usr/bin/python3)')
  .option('--no-python', 'skip the NumPy and PyTorch epochs')
  .option('--no-relaxed', 'skip the relaxed-SIMD build (timed where the engine accepts it)')
  .addOption(new Option('--rss-probe').hideHelp())
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .action(benchCommand);

program.command('experiments')
  .description('run the report\'s experiments (configs, L2/L1 sweeps, activations, gradient check) and write a Markdown report with figures')
  .option('--quick', 'a smoke test: two epochs per run and a reduced sweep')
  .option('--out <dir>', 'where report.md, results.md and the runs go', 'report')
  .option('--jobs <n>', 'trainings at once, one kernel thread each (default: every core)')
  .addOption(backendOption())
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .action(experimentsCommand);

program.command('samples')
  .description('draw a grid of training images per class with the class names (the report\'s Figure 1)')
  .option('--out <file>', 'samples.svg (names as text) or a .png (the bare grid)', 'samples.svg')
  .option('--per-class <n>', 'images per class', '10')
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .action(samplesCommand);

program.command('inspect')
  .description('data set statistics (the report\'s Table 2): images per class and split, per-image mean/std before and after normalisation')
  .option('--seed <n>', 'seed of the train/validation split', '0')
  .option('--json', 'print one JSON object')
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .action(inspectCommand);

function handleError(e: unknown): number {
  const debug = process.argv.includes('--debug');
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
  if (e instanceof WasmfitError) {
    process.stderr.write(`wasmfit: error: ${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}\n`);
    if (debug) process.stderr.write(`${e.stack}\n`);
    return e.exitCode;
  }
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`wasmfit: internal error: ${message.split('\n')[0]}${debug ? '' : ' (run with --debug for the stack trace)'}\n`);
  if (debug && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return EXIT_RUNTIME;
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.exitCode = handleError(e);
}
