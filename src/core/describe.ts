// How a value is named in a message: in a few words, never its whole serialisation, which may be huge.

export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) {
    const shown = value.slice(0, 5).map((v) => (typeof v === 'object' && v !== null ? (Array.isArray(v) ? '[...]' : '{...}') : clip(JSON.stringify(v) ?? String(v))));
    return `a list [${shown.join(', ')}${value.length > 5 ? `, ... (${value.length} items)` : ''}]`;
  }
  if (typeof value === 'string') return `the string ${clip(JSON.stringify(value))}`;
  if (typeof value === 'object') {
    const kind = Object.getPrototypeOf(value)?.constructor?.name;
    return kind && kind !== 'Object' ? `a ${kind}` : 'a mapping';
  }
  return `${typeof value} ${String(value)}`;
}

const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 37)}...` : text);
