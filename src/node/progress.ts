// What a training run prints while it runs (Node adapter). On a terminal: a live bar within each epoch
// (batches done, images/s, ETA), redrawn in place at most 10 times a second and replaced by the epoch's
// line when the epoch ends. In a pipe or CI: only whole lines, never a carriage return or escape code.
// --json: one JSON object per line (an "epoch" object per epoch). --quiet: nothing.

export type ProgressMode = 'bar' | 'lines' | 'json' | 'quiet';

export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** The bar only on an interactive terminal; TERM=dumb and CI logs get plain lines. */
export function progressMode(options: { quiet?: boolean; json?: boolean }, stream: Stream = process.stdout, env: NodeJS.ProcessEnv = process.env): ProgressMode {
  if (options.json) return 'json';
  if (options.quiet) return 'quiet';
  return stream.isTTY && env.TERM !== 'dumb' && !env.CI ? 'bar' : 'lines';
}

/** JSON has no NaN or Infinity: such values are written as strings rather than silently as null. */
export function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

const REDRAW_SECONDS = 0.1;
const CLEAR_LINE = '\r\x1b[2K';

export class Progress {
  private shown = false;
  private lastDraw = 0;
  private epoch = 0;
  private epochStart = 0;
  private epochFirstBatch = 0;

  constructor(readonly mode: ProgressMode, private readonly stream: Stream = process.stdout, private readonly now = () => performance.now() / 1000) {}

  /** A human-readable line (headers, the per-epoch line, the summary); dropped in json and quiet modes. */
  line(text: string): void {
    if (this.mode === 'json' || this.mode === 'quiet') return;
    this.clear();
    this.stream.write(text + '\n');
  }

  /** A machine-readable record: one JSON object per line, in json mode only. */
  json(event: string, fields: Record<string, unknown>): void {
    if (this.mode !== 'json') return;
    this.stream.write(JSON.stringify({ event, ...fields }, jsonNumbers) + '\n');
  }

  /** After batch `batch` (1-based) of `batches` in `epoch`, with `rows` images per batch. */
  batch(epoch: number, epochs: number, batch: number, batches: number, rows: number): void {
    if (this.mode !== 'bar') return;
    const t = this.now();
    if (epoch !== this.epoch) {
      // Rates are measured from the first batch seen in this epoch (a resumed run may start mid-epoch).
      [this.epoch, this.epochStart, this.epochFirstBatch] = [epoch, t, batch];
    }
    if (t - this.lastDraw < REDRAW_SECONDS && batch < batches) return;
    this.lastDraw = t;
    const elapsed = t - this.epochStart, done = batch - this.epochFirstBatch;
    const perSecond = elapsed > 0 ? (done * rows) / elapsed : 0;
    const eta = done > 0 && elapsed > 0 ? ((batches - batch) * elapsed) / done : NaN;
    this.stream.write(CLEAR_LINE + barLine(epoch, epochs, batch, batches, perSecond, eta, this.stream.columns || 80));
    this.shown = true;
  }

  /** Removes the bar, so that whatever is written next starts on a clean line. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write(CLEAR_LINE);
    this.shown = false;
  }
}

/** `epoch  3/100 [=========>          ] 187/375 batches  65432 img/s  ETA 0.4 s`, cut to the terminal width. */
export function barLine(epoch: number, epochs: number, batch: number, batches: number, perSecond: number, eta: number, columns: number): string {
  const width = String(epochs).length;
  const head = `epoch ${String(epoch).padStart(width)}/${epochs} `;
  const tail = ` ${String(batch).padStart(String(batches).length)}/${batches} batches  ${Math.round(perSecond)} img/s  ETA ${!Number.isFinite(eta) ? '--' : eta < 60 ? `${eta.toFixed(1)} s` : `${Math.floor(eta / 60)} min ${Math.round(eta % 60)} s`}`;
  // Stay one column short of the width: writing the last column makes some terminals wrap.
  const room = Math.max(0, Math.min(30, columns - 1 - head.length - tail.length - 2));
  const filled = Math.round((room * batch) / batches);
  const bar = room > 0 ? `[${'='.repeat(Math.max(0, filled - 1))}${filled ? (batch === batches ? '=' : '>') : ''}${' '.repeat(room - filled)}]` : '';
  return (head + bar + tail).slice(0, Math.max(1, columns - 1));
}
