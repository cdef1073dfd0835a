// npm run bench:state-store — the group chat engine's hot-path write, commitRead (one per message
// read: the member's cursor and the group's arrival counter, sealed, in one transaction), on the
// daemon's sealed sqlite store (SealedGroupStateStore, migration 003) in a real database file,
// next to the JSON file store the daemon used before issue 8 (FileGroupStateStore, which rewrites
// the whole state on every write).
//
// Figures: commitRead/s one at a time in one group (the engine serialises writes per group), and
// with one writer per group in flight at once (all groups' reads arriving together), with per-call
// latency percentiles; the same one-at-a-time rate for the JSON file; and the cost of loading the
// whole state at start (listGroups + listMembers per group). Last line: one JSON object.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SealedGroupStateStore } from '../../src/bridge/index.js';
import { FileGroupStateStore } from '../../src/groupchat/file-state-store.js';
import { asGroupId, memberKeyOf, type GroupRecord, type GroupStateStore, type MemberRecord } from '../../src/groupchat/index.js';
import { openStore } from '../../src/store/index.js';

const env = (k: string, d: number): number => Number(process.env[k] ?? d);
const GROUPS = env('BENCH_GROUPS', 20);
const MEMBERS = env('BENCH_MEMBERS', 20);
const COMMITS = env('BENCH_COMMITS', 3000);
const FILE_COMMITS = env('BENCH_FILE_COMMITS', 300);
// Sizes from bacap (caps.ts, message-box-index.ts): what a real record carries.
const WRITE_CAP_BYTES = 168;
const READ_CAP_BYTES = 136;
const INDEX_BYTES = 104;

const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

function makeState(): { groups: GroupRecord[]; members: MemberRecord[][] } {
  const groups: GroupRecord[] = [];
  const members: MemberRecord[][] = [];
  for (let g = 0; g < GROUPS; g++) {
    const groupId = asGroupId(`group-${g}`);
    groups.push({ groupId, selfName: 'bridge', writeCap: bytes(WRITE_CAP_BYTES), nextWriteIndex: bytes(INDEX_BYTES), arrivalSeq: 0, status: 'member', createdAtMs: Date.now() });
    const list: MemberRecord[] = [];
    for (let m = 0; m < MEMBERS; m++) {
      const readCap = bytes(READ_CAP_BYTES);
      // Every fourth member is a puppet stream the bridge writes: its record carries a write cap.
      const puppet = m % 4 === 3;
      list.push({
        groupId,
        memberKey: memberKeyOf(readCap),
        displayName: `member ${m}`,
        readCap,
        cursor: bytes(INDEX_BYTES),
        source: puppet ? 'puppet' : 'introduction',
        active: true,
        addedAtMs: Date.now(),
        ...(puppet ? { ownStream: { writeCap: bytes(WRITE_CAP_BYTES), nextWriteIndex: bytes(INDEX_BYTES), introduced: true } } : {}),
      });
    }
    members.push(list);
  }
  return { groups, members };
}

async function load(store: GroupStateStore, s: ReturnType<typeof makeState>): Promise<void> {
  for (const g of s.groups) await store.putGroup(g);
  for (const list of s.members) for (const m of list) await store.putMember(m);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

interface Run {
  readonly perSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** `writers` loops, each over its own group, `total` commits in all; each loop awaits its commit
 *  before the next (as the engine does per group). */
async function commitReads(store: GroupStateStore, s: ReturnType<typeof makeState>, total: number, writers: number): Promise<Run> {
  const lat: number[] = [];
  const groups = s.groups.map((g) => ({ ...g }));
  const per = Math.ceil(total / writers);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const gi = w % groups.length;
      const list = s.members[gi]!;
      for (let i = 0; i < per; i++) {
        const m = list[i % list.length]!;
        const g = { ...groups[gi]!, arrivalSeq: groups[gi]!.arrivalSeq + 1 };
        groups[gi] = g;
        const t = performance.now();
        await store.commitRead({ ...m, cursor: bytes(INDEX_BYTES) }, g);
        lat.push(performance.now() - t);
      }
    }),
  );
  const elapsed = performance.now() - t0;
  lat.sort((a, b) => a - b);
  return { perSec: Math.round((per * writers * 1000) / elapsed), p50Ms: round(percentile(lat, 50)), p99Ms: round(percentile(lat, 99)) };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kb-bench-state-'));
  try {
    const state = makeState();
    console.log(`state: ${GROUPS} groups x ${MEMBERS} members (every 4th a puppet with its write cap)`);

    const store = await openStore({ databasePath: join(dir, 'kb.db'), keyFile: join(dir, 'secrets.key') });
    const sealed = new SealedGroupStateStore(store.db, store.secrets);
    await load(sealed, state);
    await commitReads(sealed, state, Math.min(200, COMMITS), 1); // warm-up: statements, page cache
    const one = await commitReads(sealed, state, COMMITS, 1);
    console.log(`sealed sqlite, one group at a time: ${one.perSec} commitRead/s (p50 ${one.p50Ms} ms, p99 ${one.p99Ms} ms)`);
    const all = await commitReads(sealed, state, COMMITS, GROUPS);
    console.log(`sealed sqlite, ${GROUPS} groups in flight: ${all.perSec} commitRead/s (p50 ${all.p50Ms} ms, p99 ${all.p99Ms} ms per call)`);
    const t = performance.now();
    const listed = await sealed.listGroups();
    let members = 0;
    for (const g of listed) members += (await sealed.listMembers(g.groupId)).length;
    const loadMs = round(performance.now() - t);
    console.log(`sealed sqlite, load at start: ${listed.length} groups, ${members} members in ${loadMs} ms`);
    await store.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const dbBytes = statSync(join(dir, 'kb.db')).size;
    await store.close();

    const file = FileGroupStateStore.open(join(dir, 'json'));
    await load(file, state);
    const json = await commitReads(file, state, FILE_COMMITS, 1);
    const jsonBytes = statSync(join(dir, 'json', 'groupchat-state.json')).size;
    console.log(`JSON file (before issue 8), one group at a time: ${json.perSec} commitRead/s (p50 ${json.p50Ms} ms, p99 ${json.p99Ms} ms; rewrites ${jsonBytes} bytes each)`);

    console.log(
      JSON.stringify({
        bench: 'group-state-store',
        groups: GROUPS,
        membersPerGroup: MEMBERS,
        commits: COMMITS,
        sealedCommitReadPerSec: one.perSec,
        sealedP50Ms: one.p50Ms,
        sealedP99Ms: one.p99Ms,
        sealedConcurrentCommitReadPerSec: all.perSec,
        sealedConcurrentP99Ms: all.p99Ms,
        sealedLoadMs: loadMs,
        sealedDbBytes: dbBytes,
        jsonCommitReadPerSec: json.perSec,
        jsonP50Ms: json.p50Ms,
        jsonFileBytes: jsonBytes,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
