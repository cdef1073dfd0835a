import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { ImageMetadataError, stripImageMetadata } from '../../../src/bridge/image-metadata.js';

// Images are built byte by byte here (no fetched files): each carries a recognisable GPS/author
// payload in its metadata, which must be gone, with every other byte kept.

const GPS = Buffer.from('GPSLatitude 52.3731N GPSLongitude 4.8922E');
const AUTHOR = Buffer.from('Author: Alice Example, Canon EOS serial 123456');

const be16 = (n: number) => Buffer.from([n >> 8, n & 255]);
const seg = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker]), be16(body.length + 2), body]);

function jpeg(): { withMeta: Buffer; clean: Buffer } {
  const soi = Buffer.from([0xff, 0xd8]);
  const jfif = seg(0xe0, Buffer.from('JFIF\0\x01\x02\x00\x00\x01\x00\x01\x00\x00', 'binary'));
  const exif = seg(0xe1, Buffer.concat([Buffer.from('Exif\0\0'), Buffer.from('II*\0'), GPS]));
  const xmp = seg(0xe1, Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0'), AUTHOR]));
  const icc = seg(0xe2, Buffer.concat([Buffer.from('ICC_PROFILE\0'), Buffer.from([1, 1, 9, 9, 9])]));
  const mpf = seg(0xe2, Buffer.concat([Buffer.from('MPF\0'), AUTHOR]));
  const iptc = seg(0xed, Buffer.concat([Buffer.from('Photoshop 3.0\0'), AUTHOR]));
  const adobe = seg(0xee, Buffer.from('Adobe\0\x64\0\0\0\0\x01', 'binary'));
  const dqt = seg(0xdb, Buffer.alloc(65, 7));
  const sof = seg(0xc2, Buffer.from([8, 0, 16, 0, 16, 1, 1, 0x11, 0]));
  const dht = seg(0xc4, Buffer.alloc(20, 3));
  const sos = seg(0xda, Buffer.from([1, 1, 0, 0, 63, 0]));
  // Scan data with a stuffed 0xFF00, a restart marker and fill bytes before the next marker.
  const scan1 = Buffer.from([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xff]);
  const com = seg(0xfe, AUTHOR);
  const scan2 = Buffer.from([0x78, 0x9a]);
  const eoi = Buffer.from([0xff, 0xd9]);
  const withMeta = Buffer.concat([soi, jfif, exif, xmp, icc, mpf, iptc, adobe, dqt, sof, dht, sos, scan1, com, dht, sos, scan2, eoi]);
  const clean = Buffer.concat([soi, jfif, icc, adobe, dqt, sof, dht, sos, scan1, dht, sos, scan2, eoi]);
  return { withMeta, clean };
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, Buffer.from(type, 'ascii'), data, Buffer.from([1, 2, 3, 4])]); // CRC not checked
}

function png(): { withMeta: Buffer; clean: Buffer } {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = pngChunk('IHDR', Buffer.alloc(13, 1));
  const srgb = pngChunk('sRGB', Buffer.from([0]));
  const text = pngChunk('tEXt', Buffer.concat([Buffer.from('Author\0'), AUTHOR]));
  const exif = pngChunk('eXIf', Buffer.concat([Buffer.from('II*\0'), GPS]));
  const time = pngChunk('tIME', Buffer.from([7, 234, 11, 22, 10, 0, 0]));
  const idat = pngChunk('IDAT', Buffer.alloc(40, 9));
  const priv = pngChunk('prVt', AUTHOR); // unknown ancillary (lower-case first letter)
  const iend = pngChunk('IEND', Buffer.alloc(0));
  return { withMeta: Buffer.concat([sig, ihdr, srgb, text, exif, idat, time, priv, iend]), clean: Buffer.concat([sig, ihdr, srgb, idat, iend]) };
}

function riffChunk(fourcc: string, data: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32LE(data.length);
  return Buffer.concat([Buffer.from(fourcc, 'ascii'), size, data, data.length & 1 ? Buffer.from([0]) : Buffer.alloc(0)]);
}

function webp(): { withMeta: Buffer; clean: Buffer } {
  const riff = (body: Buffer) => {
    const size = Buffer.alloc(4);
    size.writeUInt32LE(4 + body.length);
    return Buffer.concat([Buffer.from('RIFF'), size, Buffer.from('WEBP'), body]);
  };
  const vp8x = (flags: number) => riffChunk('VP8X', Buffer.from([flags, 0, 0, 0, 15, 0, 0, 15, 0, 0]));
  const image = riffChunk('VP8L', Buffer.alloc(25, 5)); // odd size: padded
  const exif = riffChunk('EXIF', Buffer.concat([Buffer.from('II*\0'), GPS]));
  const xmp = riffChunk('XMP ', AUTHOR);
  return { withMeta: riff(Buffer.concat([vp8x(0x10 | 0x08 | 0x04), image, exif, xmp])), clean: riff(Buffer.concat([vp8x(0x10), image])) };
}

const has = (hay: Uint8Array, needle: Buffer) => Buffer.from(hay).indexOf(needle) !== -1;

describe('bridge: image metadata stripping', () => {
  for (const [name, make, removed] of [
    ['jpeg', jpeg, 5],
    ['png', png, 4],
    ['webp', webp, 2],
  ] as const) {
    it(`${name}: drops EXIF (GPS), XMP and other metadata, keeps every other byte as it was`, () => {
      const { withMeta, clean } = make();
      assert.ok(has(withMeta, GPS) || has(withMeta, AUTHOR));
      const r = stripImageMetadata(withMeta);
      assert.equal(r.format, name);
      assert.equal(r.removed, removed);
      assert.ok(!has(r.bytes, GPS), 'GPS data left');
      assert.ok(!has(r.bytes, AUTHOR), 'author data left');
      assert.deepEqual(Buffer.from(r.bytes), clean);
      // Stripping is idempotent.
      assert.deepEqual(Buffer.from(stripImageMetadata(r.bytes).bytes), clean);
    });

    it(`${name}: a truncated or corrupted image is refused with a named error, never a crash`, () => {
      const { withMeta } = make();
      for (let cut = 12; cut < withMeta.length; cut += 3) {
        assert.throws(
          () => stripImageMetadata(withMeta.subarray(0, cut)),
          (e: unknown) => e instanceof ImageMetadataError && e.code === 'malformed_image' && e.format === name,
          `cut at ${cut}`,
        );
      }
      for (let i = 0; i < 500; i++) {
        const mutated = Buffer.from(withMeta);
        for (let k = 0; k < 3; k++) mutated[12 + ((Math.random() * (mutated.length - 12)) | 0)] = randomBytes(1)[0]!;
        try {
          stripImageMetadata(mutated);
        } catch (e) {
          assert.ok(e instanceof ImageMetadataError, String(e));
        }
      }
    });
  }

  it('returns anything else unchanged', () => {
    for (const other of [Buffer.from('just text'), Buffer.from('GIF89a....'), Buffer.alloc(0), randomBytes(100)]) {
      const r = stripImageMetadata(other);
      assert.equal(r.format, undefined);
      assert.equal(r.bytes, other);
    }
  });
});
