// `wasmfit evaluate`: loads a safetensors model and reports its loss and accuracy on the test set of the data it
// was trained on (a known set it names), or of --data-dir's; the data must have the model's image shape and classes.

import { MAX_MODEL_BYTES, modelFromBytes } from '../../api/model-file.js';
import { describeSpec } from '../../core/networks.js';
import { EXIT_RUNTIME } from '../../core/errors.js';
import type { BackendName } from '../../core/kernels/kernels.js';
import { checkModelFits } from '../../data/description.js';
import { KNOWN_SETS } from '../../data/known-sets.js';
import { describeData, openSession } from '../session.js';
import { readUserFile } from '../files.js';
import { loss, pct } from '../../report/format.js';
import { EVAL_ROWS } from '../../api/session.js';

export interface EvaluateOptions {
  model: string;
  backend: BackendName;
  dataDir?: string;
  verify: boolean;
  json?: boolean;
}

export async function evaluateCommand(options: EvaluateOptions): Promise<void> {
  const backendName = options.backend;
  const file = modelFromBytes(readUserFile(options.model, 'model', MAX_MODEL_BYTES, EXIT_RUNTIME), options.model);
  const session = await openSession({
    backend: backendName, dataDir: options.dataDir, dataName: file.dataName && KNOWN_SETS[file.dataName] ? file.dataName : undefined,
    verify: options.verify, seed: 0, spec: file.spec, batchRows: EVAL_ROWS, fits: (data) => checkModelFits(file, data, options.model),
  });
  session.model.importTensors(file.tensors);
  const test = session.model.evaluate(session.data, session.data.test);
  if (options.json) {
    console.log(JSON.stringify({ model: options.model, backend: backendName, ...('layers' in file.spec ? { layers: file.spec.layers } : { layer_specs: file.spec.layerSpecs, activation: file.spec.activation }), data: session.data.description.name, test_loss: test.loss, test_accuracy: test.accuracy, test_count: session.data.test.count }));
  } else {
    const spec = file.spec;
    console.log(`${options.model}: ${'layers' in spec ? describeSpec(spec) : `${spec.layerSpecs.join('-')} ${spec.activation}`}, ${session.data.test.count} test images`);
    console.log(`data: ${describeData(session.located, session.data.description)}`);
    console.log(`test loss ${loss(test.loss)}  test accuracy ${pct(test.accuracy)}`);
  }
}
