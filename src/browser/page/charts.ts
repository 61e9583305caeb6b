// A small line chart on a canvas: one y axis, epochs on x, a legend, series drawn as lines with dots.
// Enough for two curves of a few hundred points; no library.

export interface Series {
  label: string;
  color: string;
  points: number[];
}

export function drawChart(canvas: HTMLCanvasElement, series: Series[], format: (y: number) => string): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width, height } = canvas;
  const left = 52, right = 12, top = 24, bottom = 28;
  ctx.clearRect(0, 0, width, height);
  ctx.font = '11px system-ui, sans-serif';
  const values = series.flatMap((s) => s.points).filter(Number.isFinite);
  const count = Math.max(0, ...series.map((s) => s.points.length));
  if (values.length === 0) {
    ctx.fillStyle = '#888';
    ctx.fillText('no epochs yet', width / 2 - 30, height / 2);
    return;
  }
  let lo = Math.min(...values), hi = Math.max(...values);
  if (hi - lo < 1e-9) [lo, hi] = [lo - 0.5 * Math.abs(lo || 1) * 0.1, hi + 0.5 * Math.abs(hi || 1) * 0.1];
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const x = (i: number) => left + (count <= 1 ? (width - left - right) / 2 : (i / (count - 1)) * (width - left - right));
  const y = (v: number) => top + (1 - (v - lo) / (hi - lo)) * (height - top - bottom);

  ctx.strokeStyle = '#ddd';
  ctx.fillStyle = '#555';
  ctx.lineWidth = 1;
  for (let t = 0; t <= 4; t++) {
    const v = lo + ((hi - lo) * t) / 4;
    ctx.beginPath();
    ctx.moveTo(left, y(v));
    ctx.lineTo(width - right, y(v));
    ctx.stroke();
    ctx.fillText(format(v), 4, y(v) + 4);
  }
  ctx.fillText(`epoch 1`, left, height - 8);
  if (count > 1) ctx.fillText(`epoch ${count}`, width - right - 50, height - 8);

  series.forEach((s, k) => {
    ctx.strokeStyle = ctx.fillStyle = s.color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    s.points.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i), y(v)) : ctx.lineTo(x(i), y(v))));
    ctx.stroke();
    for (let i = 0; i < s.points.length; i++) {
      ctx.beginPath();
      ctx.arc(x(i), y(s.points[i]), 3, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.fillRect(left + 8 + k * 110, 8, 12, 4);
    ctx.fillText(s.label, left + 24 + k * 110, 13);
  });
}
