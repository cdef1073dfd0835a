// npm run bench:emulator — box writes/s and reads/s through the thin client and the emulator at
// zero latency (FAST_OPTIONS), and what the client adds per request compared with bare frames
// on the same socket. Shared by the client and emulator owners: extend, do not replace.
// Sizes can be set with BENCH_BOXES (default 400) and BENCH_LOCAL_CALLS (default 3000).
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Emulator, FAST_OPTIONS } from '../../src/katzenpost/emulator/index.js';
import { ThinClient } from '../../src/katzenpost/client/index.js';
import { FrameDecoder, decodeResponse, encodeRequest, encodeResponse } from '../../src/katzenpost/protocol/index.js';

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

/** A bare socket speaking frames: framing + emulator only, no client logic. */
async function rawPeer(address: string): Promise<{ call(index: Uint8Array): Promise<void>; close(): void }> {
  const [host, port] = address.split(':');
  const socket = connect(Number(port), host);
  const decoder = new FrameDecoder();
  let seen = 0;
  let want = 0;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    for (const p of decoder.push(chunk)) {
      seen++;
      decodeResponse(p);
    }
    if (seen >= want) wake?.();
  });
  await new Promise<void>((r) => socket.once('connect', r));
  const upTo = (k: number): Promise<void> => new Promise((r) => {
    want = k;
    wake = r;
    if (seen >= k) r();
  });
  await upTo(2); // connection_status_event, new_pki_document_event
  return {
    async call(index) {
      socket.write(encodeRequest('next_message_box_index', { query_id: new Uint8Array(randomBytes(16)), message_box_index: index }));
      await upTo(seen + 1);
    },
    close: () => socket.destroy(),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
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

// Client overhead: sequential local round trips through the ThinClient and through bare frames,
// alternating in rounds on a busy shared machine and comparing the medians.
const index = streams[0]!.firstMessageIndex;
const raw = await rawPeer(address);
const ROUNDS = 10;
const perRound = Math.max(1, Math.floor(LOCAL_CALLS / ROUNDS));
const clientRounds: number[] = [];
const rawRounds: number[] = [];
for (let i = 0; i < 200; i++) {
  await reader.nextMessageBoxIndex(index);
  await raw.call(index);
}
for (let round = 0; round < ROUNDS; round++) {
  let t = performance.now();
  for (let i = 0; i < perRound; i++) await reader.nextMessageBoxIndex(index);
  clientRounds.push(((performance.now() - t) * 1000) / perRound);
  t = performance.now();
  for (let i = 0; i < perRound; i++) await raw.call(index);
  rawRounds.push(((performance.now() - t) * 1000) / perRound);
}
raw.close();

// The protocol's own CPU per request, without sockets: encode a request, decode its reply.
const replyFrame = encodeResponse('next_message_box_index_reply', { query_id: new Uint8Array(16), next_message_box_index: index, error_code: 0 }).subarray(4);
const CODEC_LOOPS = 5000;
const c0 = performance.now();
for (let i = 0; i < CODEC_LOOPS; i++) {
  encodeRequest('next_message_box_index', { query_id: new Uint8Array(16), message_box_index: index });
  decodeResponse(replyFrame);
}
const codecUs = ((performance.now() - c0) * 1000) / CODEC_LOOPS;

await writer.close();
await reader.close();
await emulator.close();

const writesPerS = all.length / writeSeconds;
const readsPerS = all.length / readSeconds;
const clientUs = median(clientRounds);
const rawUs = median(rawRounds);
const overheadUs = clientUs - rawUs;

console.log(`thin client × emulator, zero latency, ${CONCURRENCY} requests in flight, ${all.length} boxes of ${payload.length} bytes`);
console.log(`writes (encrypt_write + start_resending)   ${writesPerS.toFixed(0).padStart(8)} boxes/s`);
console.log(`reads  (encrypt_read + start_resending)    ${readsPerS.toFixed(0).padStart(8)} boxes/s`);
console.log(`local round trip via ThinClient            ${clientUs.toFixed(1).padStart(8)} µs  (median of ${ROUNDS} rounds of ${perRound} sequential next_message_box_index)`);
console.log(`local round trip via bare frames           ${rawUs.toFixed(1).padStart(8)} µs`);
console.log(`client overhead per request                ${overheadUs.toFixed(1).padStart(8)} µs  (difference of medians; noisy on a shared machine)`);
console.log(`protocol codec CPU per request             ${codecUs.toFixed(1).padStart(8)} µs  (encode request + checked decode of a 25-key reply)`);
console.log(JSON.stringify({
  node: process.versions.node, boxes: all.length, payload_bytes: payload.length, concurrency: CONCURRENCY,
  writes_per_s: Math.round(writesPerS), reads_per_s: Math.round(readsPerS),
  client_local_rtt_us: Number(clientUs.toFixed(1)), raw_local_rtt_us: Number(rawUs.toFixed(1)),
  client_overhead_us_per_request: Number(overheadUs.toFixed(1)), codec_us_per_request: Number(codecUs.toFixed(1)),
}));
