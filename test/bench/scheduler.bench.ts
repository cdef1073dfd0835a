// npm run bench:scheduler — the read scheduler against the naive strategy (one blocking read per
// member stream, as katzenqt does, wire §1.13), on the emulator with realistic latency and a
// send-rate budget. One reader (the bridge) is a member of GROUPS groups of MEMBERS other
// members each; writers (the other members) post bursts of conversation in a few groups at a time
// and a trickle elsewhere. Figures per strategy: delivery latency (box written -> message
// decoded) for active conversations and overall, read requests per minute on the daemon socket,
// and the mixnet read packets per minute a real kpclientd would send for them.
//
// Why two request figures: kpclientd turns a blocking read into a long-poll that re-sends its
// query once per round trip until the box appears (thin-client §3.4, §3.6), so on a real network
// a parked read costs a packet per round trip. The emulator parks blocking reads for free, so the
// packet figure is modelled from each read's duration: a fail-fast read is 2 round trips (ACK,
// fetch); a blocking read is 2 plus one per round trip spent waiting. The naive strategy gets as
// many connections as it needs to hold all its reads (a compliant client holds 16 per connection),
// so its latency is its best case, which the emulator's free parking makes look better than a
// real network would. "active" = a message whose member posted within the previous 60 s; "all"
// adds first messages of idle members, which the scheduler finds by polling under the 16-request
// window (slow by design), counted with their age at the end if never delivered.
// Last line: one JSON object.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emulator, FAST_OPTIONS, withOptions } from '../../src/katzenpost/emulator/index.js';
import {
  GroupChatEngine,
  MemoryGroupStateStore,
  MsgType,
  RequestBudget,
  DEFAULT_POLICY,
  encodeGroupChatMessage,
  membershipHashV1,
  memberKeyOf,
  planBoxes,
  counterOf,
  type PigeonholePort,
  type ReadOutcome,
  type ReadOptions,
} from '../../src/groupchat/index.js';
import { connectPigeonhole } from '../../src/groupchat/client-port.js';

const env = (k: string, d: number): number => Number(process.env[k] ?? d);
const GROUPS = env('BENCH_GROUPS', 50);
const MEMBERS = env('BENCH_MEMBERS', 10);
const RTT_MS = env('BENCH_RTT_MS', 300);
const SEND_RATE = env('BENCH_SEND_RATE', 150); // packets per second, the emulator's LambdaP
const PHASE_MS = env('BENCH_PHASE_MS', 60_000);
const ACTIVE_GROUPS = env('BENCH_ACTIVE_GROUPS', 3);
const SPEAKERS = env('BENCH_SPEAKERS', 3);
const WARMUP_MS = env('BENCH_WARMUP_MS', 30_000);
const MEAN_GAP_MS = env('BENCH_MEAN_GAP_MS', 2_500);
const TRICKLE_MS = env('BENCH_TRICKLE_MS', 4_000);
const SEED = env('BENCH_SEED', 7);

/** Deterministic PRNG (mulberry32), so both strategies see the same conversation. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Post {
  readonly atMs: number;
  readonly group: number;
  readonly member: number;
}

/** ACTIVE_GROUPS groups hold a conversation among SPEAKERS members each, posting with
 *  exponential gaps, from WARMUP_MS before the measured window to its end (we measure steady
 *  state, not the first minute); a trickle of single messages lands in random other streams. */
function conversation(): Post[] {
  const r = rng(SEED);
  const posts: Post[] = [];
  const groups = new Set<number>();
  while (groups.size < Math.min(ACTIVE_GROUPS, GROUPS)) groups.add(Math.floor(r() * GROUPS));
  for (const g of groups) {
    const speakers = new Set<number>();
    while (speakers.size < Math.min(SPEAKERS, MEMBERS)) speakers.add(Math.floor(r() * MEMBERS));
    const list = [...speakers];
    for (let t = -WARMUP_MS + r() * 1000; t < PHASE_MS; t += -Math.log(1 - r()) * MEAN_GAP_MS) {
      posts.push({ atMs: t, group: g, member: list[Math.floor(r() * list.length)]! });
    }
  }
  for (let t = -WARMUP_MS + r() * TRICKLE_MS; t < PHASE_MS; t += -Math.log(1 - r()) * TRICKLE_MS) {
    posts.push({ atMs: t, group: Math.floor(r() * GROUPS), member: Math.floor(r() * MEMBERS) });
  }
  return posts.sort((a, b) => a.atMs - b.atMs);
}

/** Counts reads on the socket and models their mixnet packets (see the header). */
class CountingPort {
  private readonly records: Array<{ start: number; end?: number; blocking: boolean }> = [];
  constructor(readonly inner: PigeonholePort) {}
  port(): PigeonholePort {
    return this.wrap(this.inner);
  }

  /** Counts reads through another connection into the same records. */
  wrap(p: PigeonholePort): PigeonholePort {
    return {
      maxPlaintextBytes: () => p.maxPlaintextBytes(),
      newStream: () => p.newStream(),
      nextIndex: (i) => p.nextIndex(i),
      writeBox: (c, i, t) => p.writeBox(c, i, t),
      readBox: async (c, i, o: ReadOptions): Promise<ReadOutcome> => {
        const rec: { start: number; end?: number; blocking: boolean } = { start: performance.now(), blocking: o.blocking };
        this.records.push(rec);
        try {
          return await p.readBox(c, i, o);
        } finally {
          rec.end = performance.now();
        }
      },
      voucherMint: (w, n) => p.voucherMint(w, n),
      voucherDeriveStream: (v) => p.voucherDeriveStream(v),
      voucherInduct: (v, pl, w) => p.voucherInduct(v, pl, w),
      voucherOpen: (k, s, w) => p.voucherOpen(k, s, w),
    };
  }

  /** Read requests started in [a, b). */
  readsBetween(a: number, b: number): number {
    return this.records.filter((r) => r.start >= a && r.start < b).length;
  }

  /** Modelled mixnet packets in [a, b): 2 per read (ACK, fetch) when it starts, plus, for a
   *  blocking read, one re-sent query per round trip it stays parked (thin-client §3.4). */
  packetsBetween(a: number, b: number): number {
    let n = 0;
    for (const r of this.records) {
      if (r.start >= a && r.start < b) n += 2;
      if (!r.blocking) continue;
      const from = Math.max(a, r.start + 2 * RTT_MS);
      const to = Math.min(b, r.end ?? b);
      if (to > from) n += Math.floor((to - from) / RTT_MS);
    }
    return n;
  }
}

interface Member {
  readonly writeCap: Uint8Array;
  readonly readCap: Uint8Array;
  next: Uint8Array;
}

interface Result {
  readonly strategy: string;
  readonly messages: number;
  readonly delivered: number;
  readonly activeMessages: number;
  readonly activeP50Ms: number;
  readonly activeP95Ms: number;
  readonly allP50Ms: number;
  readonly allP95Ms: number;
  readonly readRequestsPerMin: number;
  readonly modelledReadPacketsPerMin: number;
  readonly peakInFlight: number;
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!);
}

async function phase(strategy: 'scheduler' | 'naive', address: string, posts: Post[]): Promise<Result> {
  const writerConn = await connectPigeonhole(address);
  const readerConn = await connectPigeonhole(address);
  const writer = writerConn.port;
  const counting = new CountingPort(readerConn.port);
  const members: Member[][] = [];
  for (let g = 0; g < GROUPS; g++) {
    const row: Member[] = [];
    for (let m = 0; m < MEMBERS; m++) {
      const s = await writer.newStream();
      row.push({ writeCap: s.writeCap, readCap: s.readCap, next: s.firstIndex });
    }
    members.push(row);
  }
  const written = new Map<string, number>();
  const keyInfo = new Map<string, string>();
  members.forEach((row, g) => row.forEach((m, i) => keyInfo.set(memberKeyOf(m.readCap), `g${g}/m${i}`)));
  let startMs = Infinity;
  let measured = new Set<string>();
  const latencies: Array<{ key: string; ms: number; active: boolean }> = [];
  const lastPost = new Map<string, number>();
  const activeKeys = new Set<string>();
  const onDecoded = (member: string, counter: string): void => {
    const t = written.get(`${member}:${counter}`);
    if (t === undefined || !measured.has(`${member}:${counter}`)) return;
    latencies.push({ key: `${member}:${counter}`, ms: Math.max(0, performance.now() - t), active: activeKeys.has(`${member}:${counter}`) });
    if (process.env['BENCH_DEBUG'] && performance.now() - t > 2 * RTT_MS) {
      console.log(`  slow: ${keyInfo.get(member)} #${counter.slice(-4)} ${Math.round(performance.now() - t)} ms active=${activeKeys.has(`${member}:${counter}`)} at ${Math.round(performance.now() - startMs)}`);
    }
  };

  let stop: () => Promise<void>;
  let peak = (): number => 0;
  if (strategy === 'scheduler') {
    const budget = new RequestBudget(16);
    const engine = new GroupChatEngine({
      port: counting.port(),
      store: new MemoryGroupStateStore(),
      budget,
      policy: { ...DEFAULT_POLICY, readsPerSecond: SEND_RATE / 4, burst: 16, minBackoffMs: RTT_MS * 4, warmMaxBackoffMs: RTT_MS * 8 },
      capCheck: 'length',
      onEvent: (e) => {
        if (e.type === 'text') onDecoded(e.member, e.counter);
      },
    });
    await engine.start();
    for (let g = 0; g < GROUPS; g++) {
      await engine.createGroup(`g${g}`, 'bridge');
      for (let m = 0; m < MEMBERS; m++) await engine.addMember(`g${g}`, `m${m}`, members[g]![m]!.readCap);
    }
    stop = () => engine.stop();
    peak = () => budget.peakUsed;
  } else {
    // Naive: every stream holds one blocking read at its cursor, always (katzenqt, wire §1.13).
    // A compliant client holds at most 16 requests per connection, so naive gets as many
    // connections as it needs: its best case for latency.
    const extra = await Promise.all(Array.from({ length: Math.ceil((GROUPS * MEMBERS) / 16) - 1 }, () => connectPigeonhole(address)));
    const ports = [counting.port(), ...extra.map((c) => counting.wrap(c.port))];
    const ac = new AbortController();
    let inFlight = 0;
    let maxInFlight = 0;
    const loops = members.flat().map(async (m, n) => {
      const port = ports[n % ports.length]!;
      let cursor: Uint8Array = m.readCap.slice(32);
      const key = memberKeyOf(m.readCap);
      while (!ac.signal.aborted) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const o = await port.readBox(m.readCap, cursor, { blocking: true, signal: ac.signal });
        inFlight--;
        if (o.kind === 'box') {
          onDecoded(key, counterOf(cursor).toString());
          cursor = o.nextIndex;
        } else if (o.kind !== 'tombstone') await new Promise((r) => setTimeout(r, 100));
      }
    });
    stop = async () => {
      ac.abort();
      await Promise.all(loops);
      for (const c of extra) await c.close();
    };
    peak = () => maxInFlight;
  }

  // Let the start-up sweep (one read of every stream) finish, then play the conversation.
  const streams = GROUPS * MEMBERS;
  const settleUntil = performance.now() + 120_000;
  while (counting.readsBetween(0, Infinity) < streams && performance.now() < settleUntil) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 4 * RTT_MS));
  startMs = performance.now() + WARMUP_MS;
  measured = new Set<string>();
  const hash = membershipHashV1({ memberReadCaps: [] });
  const sends: Promise<void>[] = [];
  for (const p of posts) {
    const wait = startMs + p.atMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const m = members[p.group]![p.member]!;
    const key = memberKeyOf(m.readCap);
    const at = m.next;
    const counter = counterOf(at).toString();
    m.next = await writer.nextIndex(at);
    const plan = planBoxes(encodeGroupChatMessage({ version: 0, membershipHash: hash, msgType: MsgType.TEXT, text: `${p.group}/${p.member} @${Math.round(p.atMs)}` }));
    if (plan.layout !== 'single') throw new Error('bench texts fit one box');
    const prev = lastPost.get(key);
    if (prev !== undefined && p.atMs - prev < 60_000) activeKeys.add(`${key}:${counter}`);
    lastPost.set(key, p.atMs);
    if (p.atMs >= 0) measured.add(`${key}:${counter}`);
    sends.push(writer.writeBox(m.writeCap, at, plan.ownBox).then(() => void written.set(`${key}:${counter}`, performance.now())));
  }
  await Promise.all(sends);
  // Drain: give stragglers time to arrive.
  const drainUntil = performance.now() + env('BENCH_DRAIN_MS', 30_000);
  while (latencies.length < measured.size && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 200));
  const endMs = performance.now();
  const minutes = (endMs - startMs) / 60_000;
  const reads = counting.readsBetween(startMs, endMs);
  const packets = counting.packetsBetween(startMs, endMs);
  await stop();
  await writerConn.close();
  await readerConn.close();
  // A message not delivered by the end counts with its age then (a lower bound), not as missing.
  const delivered = latencies.length;
  const seen = new Set(latencies.map((l) => l.key));
  for (const k of measured) {
    const t = written.get(k);
    if (!seen.has(k) && t !== undefined) latencies.push({ key: k, ms: endMs - t, active: activeKeys.has(k) });
  }
  const active = latencies.filter((l) => l.active).map((l) => l.ms);
  const all = latencies.map((l) => l.ms);
  return {
    strategy,
    messages: measured.size,
    delivered,
    activeMessages: active.length,
    activeP50Ms: pct(active, 50),
    activeP95Ms: pct(active, 95),
    allP50Ms: pct(all, 50),
    allP95Ms: pct(all, 95),
    readRequestsPerMin: Math.round(reads / minutes),
    modelledReadPacketsPerMin: Math.round(packets / minutes),
    peakInFlight: peak(),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kb-sched-bench-'));
  const options = withOptions(FAST_OPTIONS, {
    latency: { kind: 'uniform', minMs: RTT_MS * 0.8, maxMs: RTT_MS * 1.2 },
    sendRatePerSecond: SEND_RATE,
    unsentQueueLimit: 16,
  });
  const emulator = await Emulator.start({ options });
  const address = await emulator.listen(join(dir, 'kpclientd.sock'));
  const posts = conversation();
  console.log(`${GROUPS} groups x ${MEMBERS} member streams = ${GROUPS * MEMBERS} streams; RTT ~${RTT_MS} ms; send budget ${SEND_RATE} packets/s`);
  console.log(`${posts.filter((p) => p.atMs >= 0).length} messages measured over ${PHASE_MS / 1000} s (after ${WARMUP_MS / 1000} s of warm-up): conversations in ${ACTIVE_GROUPS} groups x ${SPEAKERS} speakers, a message every ~${MEAN_GAP_MS / 1000} s each group; a trickle of one message per ~${TRICKLE_MS / 1000} s elsewhere`);
  const results: Result[] = [];
  try {
    for (const s of ['scheduler', 'naive'] as const) {
      const r = await phase(s, address, posts);
      results.push(r);
      console.log(
        `${s.padEnd(9)}  delivered ${r.delivered}/${r.messages}  active p50 ${r.activeP50Ms} ms p95 ${r.activeP95Ms} ms  ` +
          `all p50 ${r.allP50Ms} ms p95 ${r.allP95Ms} ms  reads ${r.readRequestsPerMin}/min  modelled packets ${r.modelledReadPacketsPerMin}/min  peak in flight ${r.peakInFlight}`,
      );
    }
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const [sched, naive] = results as [Result, Result];
  const summary = {
    bench: 'scheduler',
    groups: GROUPS,
    membersPerGroup: MEMBERS,
    rttMs: RTT_MS,
    sendRatePerSecond: SEND_RATE,
    scheduler: sched,
    naive,
    activeP95OverRtt: +(sched.activeP95Ms / RTT_MS).toFixed(2),
    targetActiveP95Within2xRtt: sched.activeP95Ms <= 2 * RTT_MS,
    packetRatio: +(naive.modelledReadPacketsPerMin / Math.max(1, sched.modelledReadPacketsPerMin)).toFixed(1),
    schedulerPacketsPerSecond: +(sched.modelledReadPacketsPerMin / 60).toFixed(1),
    withinBudget: sched.modelledReadPacketsPerMin / 60 <= SEND_RATE && sched.peakInFlight <= 16,
  };
  console.log(JSON.stringify(summary));
}

await main();
