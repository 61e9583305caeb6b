// The report's six configs keep producing the same model files: one epoch of each on the real data, through
// the CLI with its default threads, must give the bytes pinned here. A change that moves any of them (a kernel's
// summation order, the init, the shuffle, the file format) fails here and has to say why and update the pins.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';

/** SHA-256 of model.safetensors after `train --config configs/NAME.yaml --epochs 1`. */
const PINNED: Record<string, string> = {
  config_4: 'abd29c312021f002ec0e070d5f5df8cdd3158c7ef4e4ac386fd744a74ed89f6a',
  config_6: '2da27b373d55819d59f0939fa24bcf892c2f83e632d0d3a11fcd4194f1c2b399',
  config_7: 'a11acb6125a522414e31e19639c04be2733532fd7aff1612af9e7a292bf7cfe9',
  config_7_l1: '79ede913eaa94e654549646360e1453e47522041f9fdccf88ceb3dfaf33c635d',
  config_8: 'e98a13a55b2e80fde8ab5b43d3e3d820aae5be1aeaf7830687ea0dd9d5a4026b',
  config_8_sigmoid: 'a358c45191ec86788c23b9eb248e2b3e016853aa79d150a276d6c3d1700a80bc',
};

const tmp = mkdtempSync(join(tmpdir(), 'wasmfit-pinned-'));

for (const [name, sha256] of Object.entries(PINNED)) {
  test(`${name} trained for one epoch writes the pinned model file`, () => {
    const out = join(tmp, name);
    const r = runCli(['train', '--config', `configs/${name}.yaml`, '--epochs', '1', '--quiet', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const got = createHash('sha256').update(readFileSync(join(out, 'model.safetensors'))).digest('hex');
    assert.equal(got, sha256, `${name}: model.safetensors changed; if the change is meant, say why and update the pin`);
  });
}
