/**
 * Removes embedded metadata from images before they leave for Katzenpost (issue 6 "privacy by
 * default"): a photo's EXIF can carry the place it was taken, the camera's serial number and the
 * time, and XMP/IPTC/comments carry names and software. The image data itself is copied byte for
 * byte; only metadata containers are dropped, so nothing is decoded or re-encoded.
 *
 * Recognised by content, not by the declared type (a JPEG sent as application/octet-stream is
 * still stripped):
 *  - JPEG: drops APP1 (Exif, XMP), APP2 other than ICC profiles (MPF holds extra images and
 *    thumbnails), APP3..APP13 and APP15 (maker data, IPTC/Photoshop), COM, and APP0 JFXX
 *    (thumbnails); keeps APP0 JFIF, APP2 ICC_PROFILE and APP14 Adobe, which change how pixels are
 *    shown. Segments after the first scan are walked too (progressive JPEGs).
 *  - PNG: keeps the chunks that describe pixels (critical chunks, transparency, colour space,
 *    gamma, physical size, animation) and drops every other ancillary chunk: tEXt, zTXt, iTXt,
 *    eXIf, tIME and anything unknown.
 *  - WebP: drops the EXIF and XMP chunks and clears their flags in VP8X.
 * Anything else is returned unchanged (`stripped: false`). A recognised image whose structure is
 * broken throws ImageMetadataError: the caller must not send it, since what is left unread could
 * be metadata (fail closed).
 */

export class ImageMetadataError extends Error {
  override readonly name = 'ImageMetadataError';
  readonly code = 'malformed_image';
  constructor(
    readonly format: 'jpeg' | 'png' | 'webp',
    detail: string,
  ) {
    super(`${format.toUpperCase()} image: ${detail}`);
  }
}

export interface StripResult {
  readonly bytes: Uint8Array;
  /** The format recognised, or undefined when the bytes are not an image we strip. */
  readonly format?: 'jpeg' | 'png' | 'webp';
  /** How many metadata segments or chunks were removed. */
  readonly removed: number;
}

export function stripImageMetadata(bytes: Uint8Array): StripResult {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { ...stripJpeg(bytes), format: 'jpeg' };
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return { ...stripPng(bytes), format: 'png' };
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return { ...stripWebp(bytes), format: 'webp' };
  return { bytes, removed: 0 };
}

const ascii = (b: Uint8Array, at: number, n: number): string => String.fromCharCode(...b.subarray(at, at + n));

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---- JPEG ------------------------------------------------------------------------------------

const SOS = 0xda;
const EOI = 0xd9;

function keepJpegSegment(marker: number, body: Uint8Array): boolean {
  if (marker === 0xfe) return false; // COM
  if (marker < 0xe0 || marker > 0xef) return true; // not APPn: tables, frame headers, ...
  if (marker === 0xe0) return ascii(body, 0, 5) === 'JFIF\0'; // JFXX (thumbnails) goes
  if (marker === 0xe2) return ascii(body, 0, 12) === 'ICC_PROFILE\0';
  if (marker === 0xee) return ascii(body, 0, 5) === 'Adobe';
  return false;
}

function stripJpeg(b: Uint8Array): { bytes: Uint8Array; removed: number } {
  const bad = (d: string): never => {
    throw new ImageMetadataError('jpeg', d);
  };
  const parts: Uint8Array[] = [b.subarray(0, 2)];
  let removed = 0;
  let at = 2;
  for (;;) {
    if (at >= b.length) bad('ends before its end-of-image marker');
    if (b[at] !== 0xff) bad(`expected a marker at byte ${at}`);
    let m = at + 1;
    while (m < b.length && b[m] === 0xff) m++; // fill bytes
    if (m >= b.length) bad('ends inside a marker');
    const marker = b[m]!;
    if (marker === EOI) {
      parts.push(b.subarray(at, m + 1));
      break;
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      parts.push(b.subarray(at, m + 1));
      at = m + 1;
      continue;
    }
    if (m + 3 > b.length) bad(`segment 0x${marker.toString(16)} at byte ${at} has no length`);
    const len = (b[m + 1]! << 8) | b[m + 2]!;
    if (len < 2 || m + 1 + len > b.length) bad(`segment 0x${marker.toString(16)} at byte ${at} runs past the end`);
    const end = m + 1 + len;
    if (keepJpegSegment(marker, b.subarray(m + 3, end))) parts.push(b.subarray(at, end));
    else removed++;
    at = end;
    if (marker === SOS) {
      // Entropy-coded data: up to the next marker that is not a stuffed 0xFF00 or a restart.
      let i = at;
      for (; i + 1 < b.length; i++) {
        if (b[i] !== 0xff) continue;
        const n = b[i + 1]!;
        if (n === 0x00 || (n >= 0xd0 && n <= 0xd7) || n === 0xff) continue;
        break;
      }
      if (i + 1 >= b.length) bad('scan data runs past the end');
      parts.push(b.subarray(at, i));
      at = i;
    }
  }
  return { bytes: concat(parts), removed };
}

// ---- PNG -------------------------------------------------------------------------------------

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Ancillary chunks that change how the pixels look or move; every other ancillary chunk goes. */
const PNG_KEEP = new Set(['tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'bKGD', 'pHYs', 'hIST', 'sPLT', 'acTL', 'fcTL', 'fdAT', 'cICP', 'mDCv', 'cLLi']);

function stripPng(b: Uint8Array): { bytes: Uint8Array; removed: number } {
  const bad = (d: string): never => {
    throw new ImageMetadataError('png', d);
  };
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  let removed = 0;
  let at = 8;
  let sawEnd = false;
  while (!sawEnd) {
    if (at + 12 > b.length) bad(`ends inside the chunk at byte ${at}`);
    const len = view.getUint32(at);
    const type = ascii(b, at + 4, 4);
    if (!/^[A-Za-z]{4}$/.test(type)) bad(`chunk at byte ${at} has no valid type`);
    const end = at + 12 + len;
    if (len > 0x7fffffff || end > b.length) bad(`chunk ${type} at byte ${at} runs past the end`);
    const critical = (b[at + 4]! & 0x20) === 0;
    if (critical || PNG_KEEP.has(type)) parts.push(b.subarray(at, end));
    else removed++;
    sawEnd = type === 'IEND';
    at = end;
  }
  return { bytes: concat(parts), removed };
}

// ---- WebP ------------------------------------------------------------------------------------

const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

function stripWebp(b: Uint8Array): { bytes: Uint8Array; removed: number } {
  const bad = (d: string): never => {
    throw new ImageMetadataError('webp', d);
  };
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const riffEnd = 8 + view.getUint32(4, true);
  if (riffEnd > b.length || riffEnd < 12) bad('its RIFF size does not match the file');
  const parts: Uint8Array[] = [];
  let removed = 0;
  let at = 12;
  while (at < riffEnd) {
    if (at + 8 > riffEnd) bad(`ends inside the chunk at byte ${at}`);
    const fourcc = ascii(b, at, 4);
    const size = view.getUint32(at + 4, true);
    const end = at + 8 + size + (size & 1);
    if (end > riffEnd) bad(`chunk ${JSON.stringify(fourcc)} at byte ${at} runs past the end`);
    if (fourcc === 'EXIF' || fourcc === 'XMP ') removed++;
    else if (fourcc === 'VP8X' && size >= 1) {
      const chunk = b.slice(at, end);
      chunk[8] = chunk[8]! & ~(VP8X_EXIF | VP8X_XMP);
      parts.push(chunk);
    } else parts.push(b.subarray(at, end));
    at = end;
  }
  const body = concat(parts);
  const header = new Uint8Array(12);
  header.set(b.subarray(0, 12));
  new DataView(header.buffer).setUint32(4, 4 + body.length, true);
  return { bytes: concat([header, body]), removed };
}
