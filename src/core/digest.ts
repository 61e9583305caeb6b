// SHA-256 in hex through Web Crypto, which Node 20 and browsers share (a browser only in a secure context:
// https or localhost). Where it is missing the digest is undefined and model files go without it.

export async function sha256Hex(data: Uint8Array | string): Promise<string | undefined> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
