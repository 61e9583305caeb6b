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
  config_4: '99c3645c727d63d60507c1bac52cee6c81ee977c8069002b17dde20dd6b397e7',
  config_6: '6ed4d559b5e31fe6cbd967336084cbf98c1fc9e8ae775b9d4edd11ec768b8cdc',
  config_7: '576d21a3bf11a3eb8ac2130c6fdb94383a55d7f0fdeaa3e1c52f979d7e8df2ee',
  config_7_l1: '643a116250d8af64df8a735a3f4a026cda272dcb8ed8a1c95d46eafe6fc9997e',
  config_8: '50a4b625ec21ef3580a56b9cbe2fc3f943dc96aa9e2d4d653db1b824e92aee64',
  config_8_sigmoid: 'a2005aa5cc55b274f5ea03d8e66ea2d4154005785d3c98836bc98f92545735d1',
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
