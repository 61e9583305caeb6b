// `wasmfit gradcheck`: prints the report's Table 3 (backprop vs numerical gradients) for a config's
// freshly initialised network and fails when any pair disagrees beyond the float32 tolerance.

import { WasmfitError } from '../../core/errors.js';
import { gradientCheck, GRADCHECK_DEFAULTS, GRADCHECK_POOLED } from '../../train/gradcheck.js';
import { networkSpec } from '../../config/schema.js';
import { describeSpec } from '../../core/networks.js';
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
    validationFraction: config.data.validation_fraction, fits: (data) => checkNetwork(config, data, options.config),
    spec: networkSpec(config), batchRows: GRADCHECK_DEFAULTS.rows,
  });
  session.model.initialise(config.seed);
  const o = config.layers?.some((l) => l.type === 'maxpool') ? GRADCHECK_POOLED : GRADCHECK_DEFAULTS;
  const rows = gradientCheck(session.model, session.data, session.arena, config, o);
  console.log(`gradient check: ${config.layer_specs ? `${config.layer_specs.join('-')} ${config.activation}` : describeSpec(networkSpec(config))}, ${backendName} back end, ${o.rows} training images, e = ${o.epsilon}`);
  console.log(`tolerance: |difference| <= ${o.absTol} + ${o.relTol} * max(|backprop|, |numerical|)`);
  const sizes = config.layer_specs;
  const header = ['layer', 'parameter', 'index', 'backprop', 'numerical', 'difference', ''];
  const table = rows.map((r) => [
    String(r.layer), r.kind, r.kind === 'weight' && sizes ? `${Math.floor(r.index / sizes[r.layer + 1])},${r.index % sizes[r.layer + 1]}` : String(r.index),
    r.backprop.toExponential(6), r.numerical.toExponential(6), r.difference.toExponential(2), r.ok ? 'ok' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  for (const line of [header, ...table]) console.log(line.map((c, i) => c.padStart(widths[i])).join('  '));
  const failed = rows.filter((r) => !r.ok).length;
  if (failed) throw new WasmfitError(`gradient check failed: ${failed} of ${rows.length} gradients disagree beyond the tolerance`);
  console.log(`all ${rows.length} gradients agree`);
}
