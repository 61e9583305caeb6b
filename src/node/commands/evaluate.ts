// `wasmfit evaluate`: loads a safetensors model and reports its loss and accuracy on the test set.

import { describeSpec } from '../../core/networks.js';
import { modelFromBytes } from '../../api/model-file.js';
import { EXIT_RUNTIME } from '../../core/errors.js';
import type { BackendName } from '../../core/kernels/kernels.js';
import { openSession } from '../session.js';
import { EVAL_ROWS } from '../../api/session.js';
import { readUserFile } from '../files.js';
import { loss, pct } from '../../report/format.js';

export interface EvaluateOptions {
  model: string;
  backend: BackendName;
  dataDir?: string;
  verify: boolean;
  json?: boolean;
}

/** A model must fit the 4 GiB of WebAssembly memory with its gradients and velocities: 1 GiB of weights at most. */
const MAX_MODEL_BYTES = 2 ** 30;

export async function evaluateCommand(options: EvaluateOptions): Promise<void> {
  const backendName = options.backend;
  const file = modelFromBytes(readUserFile(options.model, 'model', MAX_MODEL_BYTES, EXIT_RUNTIME), options.model);
  const session = await openSession({ backend: backendName, dataDir: options.dataDir, verify: options.verify, seed: 0, spec: file.spec, batchRows: EVAL_ROWS });
  session.model.importTensors(file.tensors);
  const test = session.model.evaluate(session.data, session.data.test);
  if (options.json) {
    console.log(JSON.stringify({ model: options.model, backend: backendName, ...('layers' in file.spec ? { layers: file.spec.layers } : { layer_specs: file.spec.layerSpecs, activation: file.spec.activation }), test_loss: test.loss, test_accuracy: test.accuracy, test_count: session.data.test.count }));
  } else {
    console.log(`${options.model}: ${describeSpec(file.spec)}, ${session.data.test.count} test images`);
    console.log(`test loss ${loss(test.loss)}  test accuracy ${pct(test.accuracy)}`);
  }
}
