// The project's own error type. Every failure a user can cause (bad config, bad data, bad flags) is a
// WasmfitError with a one-line message and the exit code the CLI uses; anything else is a bug.

export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

export class WasmfitError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_RUNTIME, readonly hint?: string) {
    super(message);
    this.name = 'WasmfitError';
  }
}

/** A config or flag error: exit code 2. */
export class ConfigError extends WasmfitError {
  constructor(message: string, hint?: string) {
    super(message, EXIT_USAGE, hint);
    this.name = 'ConfigError';
  }
}

/** A malformed or missing data file: exit code 1. */
export class DataError extends WasmfitError {
  constructor(message: string, hint?: string) {
    super(message, EXIT_RUNTIME, hint);
    this.name = 'DataError';
  }
}
