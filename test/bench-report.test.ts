// The bench's report from a given result (no timing here: speed is the bench's, never a test's), and the peers
// (and the page, without a Chromium) it cannot run turning into rows that say why. When a python3 with NumPy is
// on the machine, the NumPy peer's epoch also runs end to end on a small learnable set and must learn.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonPeerRows } from '../src/bench/python-peers.js';
import { PAGE_CNN_WORKLOAD, cnnConfig, cnnRatio, describeCnn, torchCnnRow } from '../src/bench/cnn.js';
import { PAGE_LABEL, pageEpochRows, timingText } from '../src/bench/browser-epochs.js';
import { benchMarkdown, browserVsCli, machineText, writeBenchReport, type BenchReport, type EpochRow } from '../src/bench/report.js';

const environment = { node: 'v20.0.0', v8: '11.3', cpu: 'Test CPU 9000', cores: 2, threads: 2, load_average: [0.5, 0.25, 0.1], date: '2030-01-02T03:04:05.000Z' };

function rows(): EpochRow[] {
  return [
    { backend: 'wasmfit WASM SIMD', group: 'cli', threads: 1, seconds: 0.4, epochs: 15, note: 'five sessions' },
    { backend: 'wasmfit WASM SIMD', group: 'cli', threads: 2, seconds: 0.25, epochs: 15, note: 'five sessions' },
    { backend: 'wasmfit in Chromium (WASM SIMD)', group: 'page', threads: 2, seconds: 0.3, epochs: 2, note: 'three pages' },
    { backend: 'TensorFlow.js (wasm SIMD, hand-written step, explicit tf.transpose)', group: 'peer', threads: null, seconds: 1, epochs: 3, note: 'fastest form' },
    { backend: 'NumPy 2.4.6 (OpenBLAS 0.3.31, SkylakeX kernel)', group: 'peer', threads: 1, seconds: 0.125, epochs: 3, note: 'threads 1 and 2' },
    { backend: 'PyTorch', group: 'peer', threads: null, seconds: null, epochs: 0, note: 'not run: PyTorch is not importable (python3: No module named \'torch\')' },
  ];
}

function report(epochs: EpochRow[]): BenchReport {
  return {
    environment, kernel_rounds: 3, variants: ['JS reference', 'WASM SIMD 1 thread'],
    kernels: [{ kernel: 'gemmNN', shape: 'forward 128x784x128', cells: {
      'JS reference': { microseconds: 25000, gflops: 1.03, rounds_microseconds: [25000, 25100, 24900] },
      'WASM SIMD 1 thread': { microseconds: 500, gflops: 51.4, rounds_microseconds: [500, 510, 490] },
    } }, { kernel: 'softmaxCrossEntropy', shape: '128x10', cells: { 'WASM SIMD 1 thread': { microseconds: 6.25, gflops: null, rounds_microseconds: [6.25] } } }],
    epochs, browser_vs_cli: browserVsCli(epochs), peak_rss_mib: 242.4,
  };
}

test('bench.md holds the kernel table, every epoch row against the fastest CLI epoch, and the peers beside the machine', () => {
  const md = benchMarkdown(report(rows())).split('\n');
  assert.ok(md.includes('| kernel | shape | JS reference | WASM SIMD 1 thread |'));
  assert.ok(md.includes('| gemmNN | forward 128x784x128 | 1.0 GFLOP/s (25000 us) | 51.4 GFLOP/s (500 us) |'));
  assert.ok(md.includes('| softmaxCrossEntropy | 128x10 |  | 6.3 us |'));
  assert.ok(md.includes('| wasmfit WASM SIMD | 2 | 0.250 | 1.00x | five sessions |'));
  assert.ok(md.includes('| wasmfit WASM SIMD | 1 | 0.400 | 1.60x | five sessions |'));
  assert.ok(md.includes('| NumPy 2.4.6 (OpenBLAS 0.3.31, SkylakeX kernel) | 1 | 0.125 | 0.50x | threads 1 and 2 |'));
  assert.ok(md.includes('| PyTorch |  | n/a |  | not run: PyTorch is not importable (python3: No module named \'torch\') |'));
  assert.ok(md.includes('Peers on Test CPU 9000, 2 cores, each in its fastest form and thread count, against wasmfit\'s fastest CLI epoch (0.250 s): ' +
    'TensorFlow.js (wasm SIMD, hand-written step, explicit tf.transpose) 1.000 s (4.00x), NumPy 2.4.6 (OpenBLAS 0.3.31, SkylakeX kernel) 0.125 s (0.50x). Below 1x the peer is faster.'));
  assert.ok(md.includes('Browser vs CLI epoch with 2 threads: 0.300 s in Chromium / 0.250 s in the CLI = 1.20x (target: at most 1.5x).'));
  assert.match(md[md.length - 1], /^Peak RSS of a 2-epoch config_6 run: 242 MiB\. Node v20\.0\.0 \(V8 11\.3\), Test CPU 9000, 2 cores, up to 2 threads, load average 0\.5 0\.25 0\.1 at the start, 2030-01-02\./);
});

test('the machine is named with its widest vector extension when known', () => {
  assert.equal(machineText(environment), 'Test CPU 9000, 2 cores');
  assert.equal(machineText({ ...environment, vector_isa: 'AVX-512' }), 'Test CPU 9000 (AVX-512), 2 cores');
});

test('without a CLI epoch the rows carry no ratio and no peer line is written', () => {
  const md = benchMarkdown(report(rows().filter((r) => r.group !== 'cli')));
  assert.ok(md.includes('| NumPy 2.4.6 (OpenBLAS 0.3.31, SkylakeX kernel) | 1 | 0.125 |  | threads 1 and 2 |'));
  assert.doesNotMatch(md, /^Peers on/m);
  assert.match(md, /Browser vs CLI epoch with 2 threads: n\/a \(no CLI epoch with 2 threads/);
});

test('bench.json is the result object and bench.md its Markdown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmfit-bench-report-'));
  try {
    const r = report(rows());
    const md = writeBenchReport(join(dir, 'out'), r);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'out', 'bench.json'), 'utf8')), r);
    assert.equal(readFileSync(join(dir, 'out', 'bench.md'), 'utf8'), md + '\n');
    assert.equal(md, benchMarkdown(r));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A learnable set: each class lights its own band of pixels, over a little noise. */
function bands(count: number): { x: Float32Array; y: Uint8Array; count: number } {
  const x = new Float32Array(count * 784), y = new Uint8Array(count);
  let seed = 1;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.2;
  for (let r = 0; r < count; r++) {
    y[r] = r % 10;
    for (let j = 0; j < 784; j++) x[r * 784 + j] = (Math.floor(j / 78) === y[r] ? 3 : 0) + noise();
  }
  return { x, y, count };
}

test('a Python that is not there gives NumPy and PyTorch rows that say so, and the report shows them as skipped', async () => {
  const lines: string[] = [];
  const peers = await pythonPeerRows({ ...bands(256), pythons: ['/nonexistent/python3'], threads: [1], epochs: 1, log: (l) => lines.push(l) });
  assert.deepEqual(peers.map((r) => [r.backend, r.seconds]), [['NumPy', null], ['PyTorch', null]]);
  assert.equal(peers[0].note, 'not run: NumPy is not importable (/nonexistent/python3: not found); pip install numpy adds it');
  assert.match(peers[1].note, /^not run: PyTorch is not importable \(\/nonexistent\/python3: not found\)/);
  const md = benchMarkdown(report([...rows().filter((r) => r.group !== 'peer'), ...peers]));
  assert.ok(md.includes('| NumPy |  | n/a |  | not run: NumPy is not importable (/nonexistent/python3: not found); pip install numpy adds it |'));
  assert.ok(lines.some((l) => l.startsWith('NumPy: not importable')));
});

const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

test('the NumPy peer trains the bench network on the rows it is given and names its BLAS', { skip: numpy ? false : 'no python3 with numpy here' }, async () => {
  const [row] = await pythonPeerRows({ ...bands(2560), pythons: ['python3'], threads: [1], epochs: 1, log: () => {} });
  assert.ok(row.seconds !== null && row.seconds > 0, row.note);
  assert.match(row.backend, /^NumPy \d+\.\d+/);
  assert.equal(row.threads, 1);
  assert.match(row.note, /last epoch's loss (\d\.\d+)/);
  assert.ok(Number(/last epoch's loss (\d\.\d+)/.exec(row.note)![1]) < 1, `the loss on a separable set stayed high: ${row.note}`);
  assert.match(row.note, /OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset/);
});

test('the CNN section shows each epoch against PyTorch\'s, the ratio beside the machine and the convolution kernels against the ceiling', () => {
  const cnnEpochs: EpochRow[] = [
    { backend: 'wasmfit WASM SIMD', group: 'cli', threads: 1, seconds: 20, epochs: 1, note: 'one epoch' },
    { backend: 'wasmfit WASM SIMD', group: 'cli', threads: 2, seconds: 12, epochs: 1, note: 'one epoch' },
    { backend: 'PyTorch 1.13.0a0 (NCHW)', group: 'peer', threads: 2, seconds: 15, epochs: 1, note: 'fastest of four' },
  ];
  const r = report(rows());
  r.kernels.push({ kernel: 'winogradForward', shape: 'forward conv 32->64 14x14 (Winograd)', cells: { 'WASM SIMD 1 thread': { microseconds: 9000, gflops: 90, rounds_microseconds: [9000] } } });
  r.cnn = { network: 'conv3x3x32 same ReLU -> dense10, batch 64, SGD', config: 'configs/best_cnn.yaml', ceilings: [{ build: 'plain', gflops: 60 }], epochs: cnnEpochs, ratio_to_pytorch: cnnRatio(cnnEpochs) };
  const md = benchMarkdown(r).split('\n');
  assert.equal(r.cnn.ratio_to_pytorch, 0.8);
  assert.ok(md.includes('| wasmfit WASM SIMD | 2 | 12.00 | 0.80x | one epoch |'));
  assert.ok(md.includes('| PyTorch 1.13.0a0 (NCHW) | 2 | 15.00 | 1.00x | fastest of four |'));
  assert.ok(md.includes('wasmfit\'s fastest CNN epoch takes 0.80x PyTorch\'s on Test CPU 9000, 2 cores (target: at most 0.7x).'));
  assert.ok(md.includes('| winogradForward | forward conv 32->64 14x14 (Winograd) | 90.0 GFLOP/s (150%) |'));
  const convTable = md.findIndex((l) => l.startsWith('Convolution kernels against the WASM SIMD ceiling'));
  assert.ok(convTable > 0 && md.slice(convTable).every((l) => !l.startsWith('| gemmNN')), 'only convolution kernels in the CNN section\'s table');
});

const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

test('the PyTorch CNN peer trains configs/best_cnn.yaml\'s network on the rows it is given, in both memory formats', { skip: torch ? false : 'no /usr/bin/python3 with torch here' }, async () => {
  const row = await torchCnnRow({ ...bands(1280), pythons: ['/usr/bin/python3'], threads: [1], log: () => {} });
  assert.ok(row.seconds !== null && row.seconds > 0, row.note);
  assert.match(row.backend, /^PyTorch \S+ \((NCHW|channels_last)\)$/);
  assert.deepEqual(row.trials!.map((t) => t.form), ['/usr/bin/python3, NCHW, 1 thread', '/usr/bin/python3, channels_last, 1 thread']);
  assert.ok(row.trials!.every((t) => t.seconds !== null), row.note);
});

/** The CNN section's rows: the CLI's at 1 and 2 threads, PyTorch's, and whatever page rows a test adds. */
function cnnReport(page: EpochRow[]): BenchReport {
  const cnnEpochs: EpochRow[] = [
    { backend: 'wasmfit WASM SIMD', group: 'cli', threads: 1, seconds: 20, epochs: 1, note: 'one epoch' },
    { backend: 'wasmfit WASM SIMD', group: 'cli', threads: 2, seconds: 12, epochs: 1, note: 'one epoch' },
    ...page,
    { backend: 'PyTorch 1.13.0a0 (NCHW)', group: 'peer', threads: 2, seconds: 15, epochs: 1, note: 'fastest of four' },
  ];
  const r = report(rows());
  r.cnn = { network: describeCnn(cnnConfig()), config: 'configs/best_cnn.yaml', ceilings: [{ build: 'plain', gflops: 60 }], epochs: cnnEpochs,
    ratio_to_pytorch: cnnRatio(cnnEpochs), browser_vs_cli: browserVsCli(cnnEpochs, 2, null) };
  return r;
}

test('the CNN section shows the page\'s epochs beside the CLI\'s and states the page/CLI ratio beside the machine', () => {
  const note = timingText(PAGE_CNN_WORKLOAD);
  assert.equal(note, 'one epoch of best_cnn after a warm-up run stopped after 20 batches, from the page\'s images/s');
  const r = cnnReport([
    { backend: PAGE_LABEL, group: 'page', threads: 1, seconds: 22, epochs: 1, note },
    // Faster than the CLI here, so that the test shows it is not taken for wasmfit's fastest against PyTorch.
    { backend: PAGE_LABEL, group: 'page', threads: 2, seconds: 10.5, epochs: 1, note },
  ]);
  assert.equal(r.cnn!.ratio_to_pytorch, 0.8);
  assert.deepEqual(r.cnn!.browser_vs_cli, { threads: 2, browser: 10.5, cli: 12, ratio: 0.875, note: 'Chromium seconds / CLI seconds per epoch' });
  const md = benchMarkdown(r).split('\n');
  assert.ok(md.includes(`| wasmfit in Chromium (WASM SIMD) | 1 | 22.00 | 1.47x | ${note} |`));
  assert.ok(md.includes(`| wasmfit in Chromium (WASM SIMD) | 2 | 10.50 | 0.70x | ${note} |`));
  assert.ok(md.includes('The page\'s CNN epoch with 2 threads takes 0.88x the CLI\'s on Test CPU 9000, 2 cores: 10.50 s in Chromium / 12.00 s in the CLI.'));
  // The CNN section's page line stands after the CNN table, apart from the MLP's browser line.
  assert.ok(md.indexOf('The page\'s CNN epoch with 2 threads takes 0.88x the CLI\'s on Test CPU 9000, 2 cores: 10.50 s in Chromium / 12.00 s in the CLI.') > md.findIndex((l) => l.startsWith('CNN (configs/best_cnn.yaml')));
  const dir = mkdtempSync(join(tmpdir(), 'wasmfit-bench-report-'));
  try {
    writeBenchReport(dir, r);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8')).cnn.browser_vs_cli, r.cnn!.browser_vs_cli);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with no Chromium the page\'s CNN rows say so, and the page/CLI line is n/a with the reason', async () => {
  const lines: string[] = [];
  const page = await pageEpochRows({ chromium: null, threadCounts: [1, 2], workload: PAGE_CNN_WORKLOAD, sessions: 1, relaxed: false, log: (l) => lines.push(l) });
  assert.equal(page.version, null);
  assert.deepEqual(page.rows.map((r) => [r.backend, r.group, r.threads, r.seconds, r.epochs]), [[PAGE_LABEL, 'page', 1, null, 0], [PAGE_LABEL, 'page', 2, null, 0]]);
  const r = cnnReport(page.rows);
  assert.equal(r.cnn!.browser_vs_cli!.ratio, null);
  const md = benchMarkdown(r).split('\n');
  assert.ok(md.includes('| wasmfit in Chromium (WASM SIMD) | 2 | n/a |  | not run: no Chromium found |'));
  assert.ok(md.includes('The page\'s CNN epoch vs the CLI\'s with 2 threads: n/a (Chromium not run: no Chromium found).'));
});

test('--no-browser leaves the CNN section without page rows or a page/CLI line, and --threads 1 names the missing CLI epoch', () => {
  const r = cnnReport([]);
  assert.equal(r.cnn!.browser_vs_cli, null);
  const md = benchMarkdown(r);
  assert.doesNotMatch(md.slice(md.indexOf('CNN (configs/best_cnn.yaml')), /Chromium|page's CNN epoch/);
  const oneThread = cnnReport([{ backend: PAGE_LABEL, group: 'page', threads: 2, seconds: 13, epochs: 1, note: 'one epoch' }]);
  oneThread.cnn!.epochs = oneThread.cnn!.epochs.filter((e) => !(e.group === 'cli' && e.threads === 2));
  oneThread.cnn!.browser_vs_cli = browserVsCli(oneThread.cnn!.epochs, 2, null);
  assert.ok(benchMarkdown(oneThread).includes('The page\'s CNN epoch vs the CLI\'s with 2 threads: n/a (no CLI epoch with 2 threads (--threads 2 or more measures it)).'));
});

test('the MLP\'s page/CLI ratio keeps its target; the CNN\'s states none', () => {
  assert.equal(browserVsCli(rows())!.note, 'Chromium seconds / CLI seconds per epoch; target: at most 1.5');
  assert.equal(browserVsCli(rows(), 2, null)!.note, 'Chromium seconds / CLI seconds per epoch');
});

test('the CNN section names configs/best_cnn.yaml\'s network and recipe as the config has them', () => {
  assert.equal(describeCnn(cnnConfig()), 'conv3x3x32 same ReLU -> maxpool2 -> conv3x3x64 same ReLU -> maxpool2 -> flatten -> dense128 ReLU -> dense10, batch 64, AdamW, weight decay 0.0001, label smoothing 0.1');
});
