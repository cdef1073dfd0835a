import { strict as assert } from 'node:assert';
import { asFrontendEventId, asFrontendRoomId, asFrontendUserId } from '../../src/ids/index.js';
import { Harness } from '../unit/bridge/harness.js';

// Issue 6 "privacy by default": images from frontends lose their metadata before they reach the
// group; a damaged image is not sent and its sender is told; operators may turn stripping off.

const ROOM = '!room:x';
const GPS = Buffer.from('GPSLatitude 52.3731N GPSLongitude 4.8922E');
const seg = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255]), body]);
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8]),
  seg(0xe1, Buffer.concat([Buffer.from('Exif\0\0II*\0'), GPS])),
  seg(0xdb, Buffer.alloc(65, 1)),
  seg(0xda, Buffer.from([1, 1, 0, 0, 63, 0])),
  Buffer.from([0x11, 0x22, 0xff, 0x00, 0x33]),
  Buffer.from([0xff, 0xd9]),
]);

describe('bridge: image metadata before Katzenpost (integration)', () => {
  let h: Harness;
  afterEach(() => h.close());

  const sendImage = (bytes: Uint8Array, filetype = 'image/jpeg', id = '$img') =>
    h.core.userMessage({
      frontend: h.frontend.id,
      room: asFrontendRoomId(ROOM),
      eventId: asFrontendEventId(id),
      sender: { userId: asFrontendUserId('@bob:x'), displayName: 'bob' },
      message: { kind: 'text', text: 'holiday.jpg' },
      file: { basename: 'holiday.jpg', filetype, bytes },
    });
  const writtenFile = () => {
    const w = h.group.written.find((x) => x.message.kind === 'file');
    return w?.message.kind === 'file' ? Buffer.from(w.message.bytes) : undefined;
  };

  it('a JPEG with GPS tags reaches the group without them, whatever type it was declared as', async () => {
    h = await new Harness({ maxFileBytes: 10_000 }).open();
    await h.portal('g1', ROOM);
    await sendImage(JPEG, 'application/octet-stream');
    await h.settle();
    const sent = writtenFile();
    assert.ok(sent, 'the image was sent');
    assert.equal(sent.indexOf(GPS), -1, 'GPS tags left in the image');
    assert.equal(sent.length, JPEG.length - (GPS.length + 10 + 4));
  });

  it('a damaged JPEG is not sent; the sender gets a notice next to it', async () => {
    h = await new Harness({ maxFileBytes: 10_000 }).open();
    await h.portal('g1', ROOM);
    await sendImage(JPEG.subarray(0, JPEG.length - 6));
    await h.settle();
    assert.equal(h.group.written.length, 0);
    const notice = h.frontend.in(ROOM).find((s) => /image was not sent/.test(s.text ?? ''));
    assert.ok(notice, h.frontend.texts(ROOM).join('\n'));
    assert.equal(notice.replyTo, '$img');
  });

  it('with strip_image_metadata off, the image goes as it came', async () => {
    h = await new Harness({ maxFileBytes: 10_000, stripImageMetadata: false }).open();
    await h.portal('g1', ROOM);
    await sendImage(JPEG);
    await h.settle();
    assert.deepEqual(writtenFile(), JPEG);
  });
});
