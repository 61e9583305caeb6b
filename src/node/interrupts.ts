// Ctrl-C and SIGTERM during training (Node adapter): the first signal asks the loop to stop after the
// current batch, so that the run can restore its best weights and write everything; a second one exits
// at once, removing any temporary file caught mid-write (the finished files are all complete, since every
// file is written to a temporary name and renamed).

import { removeTemporaryFiles } from './files.js';

export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type Handled = keyof typeof SIGNAL_EXIT_CODES;

export interface Interrupts {
  signal: AbortSignal;
  /** The first signal received, if any. */
  received(): Handled | undefined;
  dispose(): void;
}

export function installInterrupts(log: (line: string) => void): Interrupts {
  const controller = new AbortController();
  let first: Handled | undefined;
  const handler = (name: Handled) => {
    if (first) {
      removeTemporaryFiles();
      process.exit(SIGNAL_EXIT_CODES[name]);
    }
    first = name;
    log(`wasmfit: ${name}: stopping after the current batch and saving (send it again to quit at once)`);
    controller.abort();
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    received: () => first,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
