// An epoch record without its timings: what must be equal across thread counts, resumes and reruns.

type Timed = { seconds?: unknown; samples_per_second?: unknown; elapsed_seconds?: unknown };

export function untimed<T extends Timed>(history: readonly T[]): Omit<T, keyof Timed>[] {
  return history.map(({ seconds: _s, samples_per_second: _r, elapsed_seconds: _e, ...rest }) => rest);
}
