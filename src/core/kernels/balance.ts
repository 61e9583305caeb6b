// How many of the first layer's columns each thread takes. The cores of a shared machine are not always equal:
// one may run slower for seconds or minutes, and with an even split the main thread then waits for the worker
// at every split kernel. The shares follow each thread's measured speed instead, in whole
// panels of W0; which thread computes a column never changes its value, so results stay bit-identical.

import type { ThreadPace } from './kernels.js';

/** Windows whose per-part medians the pace keeps (the latest): ~100 s of two-thread training. */
const PACE_WINDOWS = 4096;

/**
 * Column counts for parts of the given speeds (columns per microsecond), in multiples of grain (the last column
 * range may end on n), each part at least one grain while there are enough: the split that minimises the
 * slowest part's predicted time.
 */
export function proportionalShares(n: number, grain: number, speeds: readonly number[]): number[] {
  const grains = Math.ceil(n / grain), parts = speeds.length;
  const units: number[] = speeds.map(() => (grains >= parts ? 1 : 0));
  // Greedy: each further grain to the part that would finish it soonest; on a tie, to the part with fewer, the
  // more even of equally fast splits (fewer panels change cores, and it suits the slower part recovering).
  for (let left = grains - units.reduce((a, b) => a + b, 0); left > 0; left--) {
    let best = 0;
    for (let p = 1; p < parts; p++) {
      const finish = (units[p] + 1) / speeds[p], bestFinish = (units[best] + 1) / speeds[best];
      if (finish < bestFinish || (finish === bestFinish && units[p] < units[best])) best = p;
    }
    units[best]++;
  }
  const counts = units.map((u) => u * grain);
  // The grains are whole except possibly the last column range's: take the excess from the last part with any.
  let excess = grains * grain - n;
  for (let p = parts - 1; p >= 0 && excess > 0; p--) {
    const cut = Math.min(excess, counts[p]);
    counts[p] -= cut;
    excess -= cut;
  }
  return counts;
}

/** Observed time of a split kernel: each part's columns and microseconds. */
export interface PartTimes {
  columns: readonly number[];
  micros: readonly number[];
}

/**
 * The column shares of one layer width, re-planned from each `window` timed calls (64: the forward and backward
 * passes of 32 batches). A part's speed in a window is its median time per column over the calls: a thread
 * descheduled in one call of the window is not slower, and summed times would take it for one.
 * A plan is taken when two windows in a row propose it and it would shorten the slowest part by more than `gain`
 * (8%): each move also moves panels of weights, gradients and velocities to the other core's cache, so noise must
 * not move anything (in Chromium, whose own threads share the cores, single windows are noisy).
 */
export class ShareBalancer {
  /** Per part, the microseconds per column of each call of the window in which it had columns. */
  private readonly perColumn: Float64Array[];
  private readonly filled: number[];
  private calls = 0;
  /** The last window's plan, when it differed from counts. */
  private proposed: number[] | null = null;
  /** Per part, its median microseconds per column in each window since resetPace (0: no columns), a ring. */
  private readonly paces: Float64Array[];
  private paceWindows = 0;

  constructor(readonly n: number, readonly grain: number, public counts: number[], private readonly window = 64, private readonly gain = 0.08) {
    this.perColumn = counts.map(() => new Float64Array(window));
    this.filled = counts.map(() => 0);
    this.paces = counts.map(() => new Float64Array(PACE_WINDOWS));
  }

  /**
   * Each part's median over the windows since resetPace of its median microseconds per column: what a run's
   * threads were like, to tell a slow core from a slow build (bench reports it beside two-thread times).
   */
  pace(): ThreadPace {
    const kept = Math.min(this.paceWindows, PACE_WINDOWS);
    const microsPerColumn = this.paces.map((ring) => {
      const measured = ring.subarray(0, kept).filter((x) => x > 0);
      return measured.length > 0 ? median(measured) : null;
    });
    return { n: this.n, columns: [...this.counts], microsPerColumn, windows: kept };
  }

  resetPace(): void {
    this.paceWindows = 0;
  }

  record(t: PartTimes): void {
    t.columns.forEach((c, p) => {
      if (c > 0 && t.micros[p] > 0) this.perColumn[p][this.filled[p]++] = t.micros[p] / c;
    });
    if (++this.calls < this.window) return;
    const perColumn = this.perColumn.map((times, p) => (this.filled[p] > 0 ? median(times.subarray(0, this.filled[p])) : 0));
    const slot = this.paceWindows++ % PACE_WINDOWS;
    perColumn.forEach((x, p) => { this.paces[p][slot] = x; });
    // A part that had no columns in the window keeps the mean speed of the others.
    const measured = perColumn.map((x) => (x > 0 ? 1 / x : 0));
    const known = measured.filter((s) => s > 0);
    if (known.length > 0) {
      const mean = known.reduce((a, b) => a + b, 0) / known.length;
      const speeds = measured.map((s) => (s > 0 ? s : mean));
      const slowest = (counts: number[]) => Math.max(...counts.map((c, p) => c / speeds[p]));
      const plan = proportionalShares(this.n, this.grain, speeds);
      const better = slowest(plan) < slowest(this.counts) * (1 - this.gain);
      const again = better && this.proposed !== null && plan.every((c, p) => c === this.proposed![p]);
      if (again) this.counts = plan;
      this.proposed = better && !again ? plan : null;
    }
    this.calls = 0;
    this.filled.fill(0);
  }
}

/** The median of a window's times (or of windows' medians), sorted in place (the caller owns the array). */
function median(times: Float64Array): number {
  times.sort();
  const mid = times.length >> 1;
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}
