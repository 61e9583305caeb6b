// Small pieces for writing SVG by hand: escaping, compact coordinates, and "nice" axis ticks.
// Platform-neutral (no node: imports, no DOM): every chart is a pure function from data to an SVG string,
// so the CLI writes it to a file and a page can put it in the DOM as it is.

/** Escapes text for an SVG/XML text node or attribute value. */
export function esc(text: string | number): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A coordinate with at most two decimals, so the file stays short and diffs stay readable. */
export const px = (x: number) => String(Math.round(x * 100) / 100);

/** An element with attributes (undefined ones left out) and optional children. */
export function el(name: string, attrs: Record<string, string | number | undefined>, children?: string | string[]): string {
  const a = Object.entries(attrs).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}="${esc(v as string | number)}"`).join('');
  if (children === undefined) return `<${name}${a}/>`;
  const body = Array.isArray(children) ? children.join('\n') : children;
  return `<${name}${a}>${body}</${name}>`;
}

export function svgDocument(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12" role="img">`,
    `<title>${esc(title)}</title>`,
    el('rect', { width, height, fill: '#ffffff' }),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * Round tick values covering [lo, hi]: a step of 1, 2 or 5 times a power of ten, about `count` of them.
 * The first tick is at or below lo and the last at or above hi, so the axis covers the data.
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 0.5;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.floor(lo / step + 1e-9), last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  // Round away float noise (0.30000000000000004) so labels and data attributes are clean.
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(digits)));
  return ticks;
}

/** Integer ticks for epochs 1..n: at most about `count`, on round steps, always including 1 and n. */
export function epochTicks(n: number, count = 8): number[] {
  if (n <= 1) return [1];
  const t = niceTicks(0, n - 1, count);
  const whole = Math.max(1, Math.round(t[1] - t[0]));
  const ticks = [1];
  for (let t = whole; t < n; t += whole) if (t > 1 && n - t >= whole / 2) ticks.push(t);
  ticks.push(n);
  return ticks;
}
