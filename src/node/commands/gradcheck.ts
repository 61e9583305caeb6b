// `wasmfit gradcheck`: prints the report's Table 3 (backprop vs numerical gradients) for a config's
// freshly initialised network and fails when any pair disagrees beyond the float32 tolerance.

import { WasmfitError } from '../../core/errors.js';
import { gradientCheck, GRADCHECK_DEFAULTS } from '../../train/gradcheck.js';
import { loadConfig } from '../config-file.js';
import type { BackendName } from '../../core/kernels/kernels.js';
import { dataLocation, openSession } from '../session.js';
import { checkNetwork } from '../../data/description.js';

export interface GradcheckOptions {
  config: string;
  backend: BackendName;
  seed?: number;
  dataDir?: string;
  verify: boolean;
}

export async function gradcheckCommand(options: GradcheckOptions): Promise<void> {
  const backendName = options.backend;
  const config = loadConfig(options.config, { seed: options.seed });
  const session = await openSession({
    backend: backendName, ...dataLocation(options.dataDir, config), dataName: config.data.name, verify: options.verify, seed: config.seed,
    validationFraction: config.data.validation_fraction, fits: (data) => checkNetwork(config.layer_specs, data, options.config),
    spec: { layerSpecs: config.layer_specs, activation: config.activation }, batchRows: GRADCHECK_DEFAULTS.rows,
  });
  session.model.initialise(config.seed);
  const rows = gradientCheck(session.model, session.data, session.arena, config);
  const o = GRADCHECK_DEFAULTS;
  console.log(`gradient check: ${config.layer_specs.join('-')} ${config.activation}, ${backendName} back end, ${o.rows} training images, e = ${o.epsilon}`);
  console.log(`tolerance: |difference| <= ${o.absTol} + ${o.relTol} * max(|backprop|, |numerical|)`);
  const header = ['layer', 'parameter', 'index', 'backprop', 'numerical', 'difference', ''];
  const table = rows.map((r) => [
    String(r.layer), r.kind, r.kind === 'weight' ? `${Math.floor(r.index / config.layer_specs[r.layer + 1])},${r.index % config.layer_specs[r.layer + 1]}` : String(r.index),
    r.backprop.toExponential(6), r.numerical.toExponential(6), r.difference.toExponential(2), r.ok ? 'ok' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  for (const line of [header, ...table]) console.log(line.map((c, i) => c.padStart(widths[i])).join('  '));
  const failed = rows.filter((r) => !r.ok).length;
  if (failed) throw new WasmfitError(`gradient check failed: ${failed} of ${rows.length} gradients disagree beyond the tolerance`);
  console.log(`all ${rows.length} gradients agree`);
}
