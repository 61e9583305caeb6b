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
import { describeCause, isSystemError } from './files.js';
import { predictCommand, RESIZE_FILTER } from './commands/predict.js';
import { MAX_CLASSES } from '../core/layers.js';
import { choiceOption, configOption, integerOption } from './options.js';
import { MAX_THREADS } from './threads.js';
import { INTEGER_RANGES } from '../config/schema.js';
import { BACKENDS } from '../core/backend.js';
import { SIMD_BUILDS } from '../core/kernels/wasm.js';

const backendOption = () => choiceOption('--backend <name>', 'kernel back end: wasm (SIMD) or js (reference)', BACKENDS).default('wasm');
const splitSeedOption = () => integerOption('--seed <n>', 'seed of the train/validation split', ...INTEGER_RANGES.seed).default(0);
const dataDirOption = () => new Option('--data-dir <dir>', 'directory holding the data set\'s four IDX files, and for a set of your own its dataset.yaml (else the config\'s data.dir, FASHION_MNIST_DIR, data/fashion-mnist, /usr/share/datasets/fashion-mnist)');
const noVerifyOption = () => new Option('--no-verify', 'skip the checksum check of a known set\'s files');

const program = new Command()
  .name('wasmfit')
  .description('neural-network trainer and classifier for IDX image sets (Fashion-MNIST by default) with WebAssembly SIMD kernels')
  .option('--debug', 'print stack traces on errors')
  .configureOutput({ outputError: (text, write) => write(`wasmfit: ${text.trim().replace(/\s*\n\s*/g, " ")} (see wasmfit --help)\n`) })
  .exitOverride();

program.command('train')
  .description('train a network from a YAML config and write a run directory')
  .option('--config <file>', 'YAML config (see configs/)')
  .option('--resume <run-dir>', 'continue a run in its own directory from its newest good checkpoint (not with --out)')
  .option('--force', 'with --resume: accept a config or data that differ from the checkpoint\'s')
  .addOption(integerOption('--checkpoint-every <n>', 'write a checkpoint every n epochs, at most the run\'s epochs (one is always written on an interrupt)', ...INTEGER_RANGES.epochs))
  .addOption(backendOption())
  .addOption(configOption('--epochs <n>', 'epochs'))
  .addOption(configOption('--seed <n>', 'seed'))
  .addOption(configOption('--batch-size <n>', 'batch_size'))
  .addOption(configOption('--learning-rate <x>', 'learning_rate'))
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .option('--out <dir>', 'run directory (default runs/<config>-<time>); must be empty or new')
  .option('--overwrite', 'with --out: delete the run already in that directory first')
  .option('--quiet', 'print nothing; results are in the run directory')
  .option('--json', 'print one JSON object per line: an "epoch" object per epoch, a "done" object at the end')
  .addOption(integerOption('--threads <n>', 'kernel threads of the wasm back end (default: every core; 1 = no worker threads)', 1, MAX_THREADS))
  .addOption(choiceOption('--simd <build>', 'wasm kernel build: plain (default) or relaxed (FMA via relaxed SIMD: faster, last bits differ)', SIMD_BUILDS))
  .option('--test-each-epoch', 'also evaluate the test split after every epoch, into history.json and metrics.csv (for curves and the time to an accuracy; never used to choose weights)')
  .action(trainCommand);

program.command('evaluate')
  .description('report test loss and accuracy of a model file')
  .requiredOption('--model <file>', 'model.safetensors written by wasmfit train')
  .addOption(backendOption())
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .option('--json', 'print one JSON object')
  .action(evaluateCommand);

program.command('predict')
  .description('classify images with a model file: PNGs, IDX image files (every image, .gz or not), or - for raw pixels on stdin')
  .argument('<input...>', 'PNG images (8-bit or 16-bit, grey or colour; colour becomes grey), IDX image files, or - (raw bytes, one image of the model\'s size after another)')
  .requiredOption('--model <file>', 'model.safetensors written by wasmfit train')
  .addOption(integerOption('--top <k>', 'classes per image in the table', 1, MAX_CLASSES).default(3))
  .option('--json', 'print one JSON object per image: input, index, class, name, probabilities')
  .option('--invert', 'use 255 - pixel: for dark drawings on a light background (the MNIST family is light on dark)')
  .option('--resize', `scale images of another size to the model's (${RESIZE_FILTER}, aspect ratio not kept)`)
  .action((inputs: string[], options) => predictCommand(inputs, options));

program.command('gradcheck')
  .description('compare backprop gradients with numerical ones (the report\'s Table 3)')
  .requiredOption('--config <file>', 'YAML config (see configs/)')
  .addOption(backendOption())
  .addOption(configOption('--seed <n>', 'seed'))
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .action(gradcheckCommand);

program.command('data')
  .description('find the Fashion-MNIST files, verify them and describe the split')
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .addOption(splitSeedOption())
  .action(dataCommand);

program.command('bench')
  .description('verify the kernels against the JS reference, then time them and whole epochs, beside TensorFlow.js, NumPy and PyTorch')
  .addOption(integerOption('--threads <n>', 'most threads to measure (default: every core)', 1, MAX_THREADS))
  .addOption(integerOption('--epochs <n>', 'timed epochs per wasmfit session and peer run (after one warm-up epoch)', 1, 100).default(3))
  .option('--out <dir>', 'where bench.json and bench.md go', 'results/bench')
  .option('--no-js', 'skip the JS reference epoch (about 10 s)')
  .option('--no-tfjs', 'skip the TensorFlow.js epochs (a dev dependency; skipped with a note when missing)')
  .option('--browser [path]', `time the page's epochs in headless Chromium, 1 and 2 threads: config_6 and, in the CNN section, best_cnn (default: on when one is found at ${CHROMIUM_PATHS[0]} or the like)`)
  .option('--no-browser', 'skip the Chromium epochs')
  .option('--python [path]', 'the Python whose NumPy and PyTorch time the same epoch (default: python3, then /usr/bin/python3)')
  .option('--no-python', 'skip the NumPy and PyTorch epochs')
  .option('--no-relaxed', 'skip the relaxed-SIMD build (timed where the engine accepts it)')
  .option('--shapes [cells]', 'instead, time training across shapes, batch sizes, activations and optimisers against 784-128-10 (all cells, or these ids comma-separated); writes shapes.json and shapes.md')
  .option('--no-cnn', 'skip the CNN section (configs/best_cnn.yaml in wasmfit, the page and PyTorch, the convolution kernels against the SIMD ceiling)')
  .addOption(new Option('--rss-probe').hideHelp())
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .action(benchCommand);

program.command('experiments')
  .description('run the report\'s experiments (configs, L2/L1 sweeps, activations, gradient check) and the configs past it (seeds, time to 88%, PyTorch), and write a Markdown report with figures')
  .option('--quick', 'a smoke test: two epochs per run and a reduced sweep')
  .addOption(choiceOption('--only <part>', 'run one part, keeping the other\'s last results in --out: report (the report\'s runs) or beyond (best_mlp, fast_mlp and PyTorch)', ['report', 'beyond'] as const))
  .option('--python [path]', 'the Python whose PyTorch trains best_mlp\'s recipe (default: python3, then /usr/bin/python3)')
  .option('--no-python', 'skip the PyTorch run')
  .option('--out <dir>', 'where report.md, results.md and the runs go', 'report')
  .addOption(integerOption('--jobs <n>', 'trainings at once, one kernel thread each (default: every core)', 1, MAX_THREADS))
  .addOption(backendOption())
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .action(experimentsCommand);

program.command('samples')
  .description('draw a grid of training images per class with the class names (the report\'s Figure 1)')
  .option('--out <file>', 'samples.svg (names as text) or a .png (the bare grid)', 'samples.svg')
  .addOption(integerOption('--per-class <n>', 'images per class', 1, 1000).default(10))
  .addOption(dataDirOption())
  .addOption(noVerifyOption())
  .action(samplesCommand);

program.command('inspect')
  .description('data set statistics (the report\'s Table 2): images per class and split, per-image mean/std before and after normalisation')
  .addOption(splitSeedOption())
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
  // A system error that no caller turned into a sentence still names its file and cause, never "internal error".
  if (isSystemError(e)) {
    const where = [e.path, (e as { dest?: string }).dest].filter(Boolean).join(' -> ');
    process.stderr.write(`wasmfit: error: ${where ? `${where}: ` : ''}cannot ${e.syscall}: ${describeCause(e)}\n`);
    if (debug) process.stderr.write(`${e.stack}\n`);
    return EXIT_RUNTIME;
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
