// How numbers look on the terminal and on the page: losses with four significant digits (so small ones are not 0.0000),
// accuracies as percentages, throughput as whole images per second.

export const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
export const loss = (x: number) => (Number.isFinite(x) ? x.toPrecision(4) : String(x));
export const secs = (x: number) => `${x.toFixed(2)} s`;
export const rate = (x: number) => `${Math.round(x)} img/s`;
