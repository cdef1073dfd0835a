export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A deterministic RandomSource that hands out the given bytes in order, like Go's test readers. */
export function streamRng(bytes: Uint8Array): (n: number) => Uint8Array {
  let offset = 0;
  return (n: number) => {
    if (offset + n > bytes.length) throw new Error(`streamRng: asked for ${n} bytes with ${bytes.length - offset} left`);
    const out = bytes.slice(offset, offset + n);
    offset += n;
    return out;
  };
}
