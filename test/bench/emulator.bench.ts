// npm run bench:emulator — box writes/s and reads/s through the thin client and the emulator at
// zero latency (FAST_OPTIONS), and what the client adds per request compared with bare frames
// on the same socket. Shared by the client and emulator owners: extend, do not replace.
// Sizes can be set with BENCH_BOXES (default 400) and BENCH_LOCAL_CALLS (default 3000).
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Emulator, FAST_OPTIONS } from '../../src/katzenpost/emulator/index.js';
import { ThinClient } from '../../src/katzenpost/client/index.js';
import { FrameDecoder, decodeResponse, encodeRequest } from '../../src/katzenpost/protocol/index.js';

const BOXES = Number(process.env['BENCH_BOXES'] ?? 400);
const LOCAL_CALLS = Number(process.env['BENCH_LOCAL_CALLS'] ?? 3000);
const CONCURRENCY = 16; // the daemon's per-connection queue limit (thin-client §1.7)

/** Runs `job(i)` for i in [0, n) with at most `width` at once; returns seconds taken. */
async function pool(n: number, width: number, job: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    while (next < n) await job(next++);
  }));
  return (performance.now() - t0) / 1000;
}

/** Sequential next_message_box_index calls over a bare socket: framing + emulator only. */
async function rawLocalCalls(address: string, index: Uint8Array, n: number): Promise<number> {
  const [host, port] = address.split(':');
  const socket = connect(Number(port), host);
  const decoder = new FrameDecoder();
  let waiting: (() => void) | undefined;
  let seen = 0;
  socket.on('data', (chunk: Buffer) => {
    for (const p of decoder.push(chunk)) {
      seen++;
      decodeResponse(p);
      waiting?.();
    }
  });
  await new Promise<void>((r) => socket.once('connect', r));
  const frames = (k: number): Promise<void> => new Promise((r) => {
    const check = (): void => { if (seen >= k) { waiting = undefined; r(); } };
    waiting = check;
    check();
  });
  await frames(2); // connection_status_event, new_pki_document_event
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    socket.write(encodeRequest('next_message_box_index', { query_id: new Uint8Array(randomBytes(16)), message_box_index: index }));
    await frames(3 + i);
  }
  const s = (performance.now() - t0) / 1000;
  socket.destroy();
  return s;
}

const emulator = await Emulator.start({ options: FAST_OPTIONS });
const address = await emulator.listen('127.0.0.1:0');
const writer = new ThinClient({ address });
const reader = new ThinClient({ address });
await writer.connect();
await reader.connect();

// Each of the 16 writers owns one stream and writes it in index order.
const streams = await Promise.all(Array.from({ length: CONCURRENCY }, () => writer.newKeypair()));
const indices: Uint8Array[][] = streams.map(() => []);
const perWriter = Math.ceil(BOXES / CONCURRENCY);
const payload = new Uint8Array(randomBytes(1000));
const w0 = performance.now();
await Promise.all(streams.map(async (s, w) => {
  let at = s.firstMessageIndex;
  for (let k = 0; k < perWriter; k++) {
    indices[w]!.push(at);
    at = await writer.writeBox(s.writeCap, at, payload);
  }
}));
const writeSeconds = (performance.now() - w0) / 1000;
const all = indices.flatMap((list, slot) => list.map((idx) => ({ rc: streams[slot]!.readCap, idx })));
const readSeconds = await pool(all.length, CONCURRENCY, async (i) => {
  const r = await reader.readBox(all[i]!.rc, all[i]!.idx);
  if (r.plaintext.length !== payload.length) throw new Error('read returned the wrong length');
});

const index = streams[0]!.firstMessageIndex;
for (let i = 0; i < 200; i++) await reader.nextMessageBoxIndex(index); // warm-up
const t0 = performance.now();
for (let i = 0; i < LOCAL_CALLS; i++) await reader.nextMessageBoxIndex(index);
const clientLocalSeconds = (performance.now() - t0) / 1000;
await rawLocalCalls(address, index, 200); // warm-up
const rawLocalSeconds = await rawLocalCalls(address, index, LOCAL_CALLS);

await writer.close();
await reader.close();
await emulator.close();

const writesPerS = all.length / writeSeconds;
const readsPerS = all.length / readSeconds;
const clientUs = (clientLocalSeconds / LOCAL_CALLS) * 1e6;
const rawUs = (rawLocalSeconds / LOCAL_CALLS) * 1e6;
const overheadUs = clientUs - rawUs;

console.log(`thin client × emulator, zero latency, ${CONCURRENCY} requests in flight, ${all.length} boxes of ${payload.length} bytes`);
console.log(`writes (encrypt_write + start_resending)   ${writesPerS.toFixed(0).padStart(8)} boxes/s`);
console.log(`reads  (encrypt_read + start_resending)    ${readsPerS.toFixed(0).padStart(8)} boxes/s`);
console.log(`local round trip via ThinClient            ${clientUs.toFixed(1).padStart(8)} µs  (${LOCAL_CALLS} sequential next_message_box_index)`);
console.log(`local round trip via bare frames           ${rawUs.toFixed(1).padStart(8)} µs`);
console.log(`client overhead per request                ${overheadUs.toFixed(1).padStart(8)} µs`);
console.log(JSON.stringify({
  node: process.versions.node, boxes: all.length, payload_bytes: payload.length, concurrency: CONCURRENCY,
  writes_per_s: Math.round(writesPerS), reads_per_s: Math.round(readsPerS),
  client_local_rtt_us: Number(clientUs.toFixed(1)), raw_local_rtt_us: Number(rawUs.toFixed(1)),
  client_overhead_us_per_request: Number(overheadUs.toFixed(1)),
}));
