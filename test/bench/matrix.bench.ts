// `npm run bench:matrix` (issue 6): messages per second through the bridge and a real Synapse
// (scripts/servers/synapse.sh), each way, next to Synapse's own rate for the same number of
// messages sent straight by a client (one at a time and 8 in flight). Direct and bridged are
// measured in the same run, in rounds (direct, then bridged, KB_BENCH_MATRIX_ROUNDS times, 3 by
// default) and the best of each is compared, so the noise of a shared machine hits both alike.
// Two compositions of the bridge in this process, one after the other on the same appservice
// registration, each with its own store and portal room:
// - "matrix half": BridgeCore on the in-memory group side, so the figures are the bridge's and
//   Synapse's alone (Katzenpost's own latency is the mixnet's, not the bridge's);
// - "engine": BridgeCore on EngineGroupSide over the real group chat engine, as the daemon composes
//   it (src/cli/daemon/group-engine.ts), speaking the kpclientd protocol to the emulator in its own
//   process (fast profile, no latency); a Katzenpost member (a second engine, in this process)
//   joins by voucher and sends, and reads what the Matrix user's puppet writes. Its rate from
//   Katzenpost is bounded by the engine's read budget (scheduler-policy.ts readsPerSecond, 20/s).
// Each phase also counts the HTTP requests per message (http-count.ts): the bridge's to Synapse,
// and the transactions Synapse pushes to the appservice; and Synapse's own CPU per message (from
// /proc), the budget every figure here shares: Synapse is the bottleneck on this machine.
// Then the daemon itself (matrix-daemon.ts): `katzenbridge run` as its own process on the engine
// composition's store, grown to 100 more portals of 20 members each, started as the systemd unit
// starts it and once more otherwise (KB_BENCH_MATRIX_COMPARE); its resident memory and CPU per
// message are the bridge's figures. Targets: bridged >= 0.9x direct, under 150 MB resident.
// KB_BENCH_MATRIX_MESSAGES sets the count (default 200); KB_BENCH_MATRIX_ONLY=half or engine runs
// one composition (the daemon runs after engine).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BridgeCore } from '../../src/bridge/index.js';
import { renderRegistration } from '../../src/cli/registration.js';
import type { Config } from '../../src/config/index.js';
import { asFrontendRoomId, asFrontendUserId, asGroupId, asMemberId, type GroupId } from '../../src/ids/index.js';
import { MATRIX_FRONTEND_ID, startMatrix } from '../../src/matrix/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { startKatzenbridge } from '../support/bridge-process.js';
import { MatrixUser } from '../support/matrix-user.js';
import { freePort } from '../support/servers/free-port.js';
import { startSynapse, type SynapseServer } from '../support/servers/index.js';
import { describeCounts, HttpCounter, type Counts } from './http-count.js';
import { cpuMs, describeLaunch, measureDaemon, parseLaunch, unitLaunch, until, type DaemonFigures, type DaemonRun } from './matrix-daemon.js';
import { engineEnd, fakeEnd, type GroupEnd } from './matrix-group-ends.js';

const N = Number(process.env['KB_BENCH_MATRIX_MESSAGES'] ?? 200);
const IN_FLIGHT = 8;
const ROUNDS = Number(process.env['KB_BENCH_MATRIX_ROUNDS'] ?? 3);
const http = new HttpCounter();
/** The V8 flag whose memory and CPU the daemon part compares (young generation semi-spaces, MB). */
const SEMI_SPACE_FLAG = '--max-semi-space-size=2';
const ONLY = process.env['KB_BENCH_MATRIX_ONLY'];
const runs = (name: 'half' | 'engine'): boolean => ONLY === undefined || ONLY === name;

class Client extends MatrixUser {
  /** How many m.room.message events in `room` have a body starting with `prefix`. */
  async count(room: string, prefix: string): Promise<number> {
    const r = await this.call<{ chunk: Array<{ type: string; content: { body?: string } }> }>('GET', `/rooms/${encodeURIComponent(room)}/messages?dir=b&limit=1000`);
    return r.chunk.filter((e) => e.type === 'm.room.message' && String(e.content.body ?? '').startsWith(prefix)).length;
  }
}

/** Sends `n` texts, `inFlight` at a time; resolves with the seconds it took. */
async function sendAll(c: Client, room: string, prefix: string, n: number, inFlight: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await c.text(room, `${prefix}${next++}`);
    }),
  );
  return (performance.now() - t0) / 1000;
}

interface Figures {
  direct_one_at_a_time_per_s: number;
  direct_8_in_flight_per_s: number;
  k2m_per_s: number;
  k2m_ratio_to_direct: number;
  m2k_one_at_a_time_per_s: number;
  m2k_one_at_a_time_ratio: number;
  m2k_8_in_flight_per_s: number;
  m2k_8_in_flight_ratio: number;
  /** This process: the bridge, the bench's Matrix client and (engine) the Katzenpost member. */
  cpu_ms_per_message: number;
  /** HTTP requests per message in the first round, by kind (http-count.ts). */
  requests_per_message: Record<Phase, { bridge: Counts; clients: Counts; served: Counts }>;
  /** Synapse's own CPU milliseconds per message in each phase (all rounds), from /proc. */
  synapse_cpu_ms_per_message: Record<Phase, number>;
}

type Phase = 'direct' | 'direct_8_in_flight' | 'k2m' | 'm2k_one_at_a_time' | 'm2k_8_in_flight';

const r1 = (x: number): number => Math.round(x * 10) / 10;

/** One composition: its own store, core, Matrix frontend and portal room. */
class Composition {
  core!: BridgeCore;
  portal!: string;
  readonly groupId: GroupId = asGroupId('bench');
  private matrix: Awaited<ReturnType<typeof startMatrix>> | undefined;

  constructor(
    readonly label: string,
    readonly store: Store,
    readonly registration: string,
    readonly asPort: number,
  ) {}

  async start(hs: SynapseServer, admin: Client, end: GroupEnd): Promise<void> {
    const bridgeConfig: Config['bridge'] = { admins: [admin.userId], join_policy: 'auto', puppet_display_name: '{name} ({network})', strip_image_metadata: true, max_file_bytes: 100_000 };
    this.core = new BridgeCore({ db: this.store.db, secrets: this.store.secrets, group: end.side, config: bridgeConfig });
    const core = this.core;
    this.matrix = await startMatrix({
      config: {
        homeserver: { enabled: true, federate_rooms: false, portal_join_rule: 'invite', url: hs.url, domain: hs.serverName, appservice: { port: this.asPort, bind_address: '127.0.0.1', registration: this.registration, user_prefix: 'kp_', bot_localpart: 'katzenbridge' } },
        bridge: bridgeConfig,
      } as Pick<Config, 'homeserver' | 'bridge'>,
      core,
      db: this.store.db,
      portals: { isPortal: async (room) => (await core.stores.portals.byRoom(MATRIX_FRONTEND_ID, asFrontendRoomId(room))) !== undefined },
      libraryLog: { level: 'off', json: false },
    });
    await core.start();
    const botId = `@katzenbridge:${hs.serverName}`;
    this.portal = (await admin.call<{ room_id: string }>('POST', '/createRoom', { preset: 'private_chat', invite: [botId] })).room_id;
    await end.side.createGroup(this.groupId, 'bridge');
    await core.addPortal(this.groupId, 'bench');
    await core.stores.portals.link(this.groupId, MATRIX_FRONTEND_ID, asFrontendRoomId(this.portal));
    await until('the bot in the portal', async () => (await admin.call<{ joined: Record<string, unknown> }>('GET', `/rooms/${encodeURIComponent(this.portal)}/joined_members`)).joined[botId] !== undefined, 30_000, 100);
    await end.addMember(core, this.groupId, { frontend: MATRIX_FRONTEND_ID, userId: asFrontendUserId(admin.userId), adminIdentity: admin.userId });
    // Warm-up both ways: the ghost and the puppet (its stream and introduction) are made first.
    await end.fromGroup(core, this.groupId, 'warm-up', 0);
    await until('warm-up shown', async () => (await admin.count(this.portal, 'warm-up')) === 1, 120_000, 50);
    await admin.text(this.portal, 'warm-up back');
    await until('warm-up written', () => end.written() === 1, 120_000);
  }

  /** ROUNDS rounds of: direct one at a time, direct 8 in flight, then the bridge each way; the
   *  best of each figure, and the ratios of the bests. */
  async measure(admin: Client, end: GroupEnd, plain: string, synapsePid: number): Promise<Figures> {
    const best = { d1: 0, d8: 0, k2m: 0, m2k1: 0, m2k8: 0 };
    let cpuUs = 0;
    const counted = {} as Figures['requests_per_message'];
    const synapseMs: Record<Phase, number> = { direct: 0, direct_8_in_flight: 0, k2m: 0, m2k_one_at_a_time: 0, m2k_8_in_flight: 0 };
    for (let r = 1; r <= ROUNDS; r++) {
      const count = async (what: Phase, f: () => Promise<number>): Promise<number> => {
        const before = http.snapshot();
        const synapse0 = await cpuMs(synapsePid);
        const rate = await f();
        synapseMs[what] += (await cpuMs(synapsePid)) - synapse0;
        if (r === 1) counted[what] = http.since(before, N);
        return rate;
      };
      best.d1 = Math.max(best.d1, await count('direct', async () => N / (await sendAll(admin, plain, `direct1 ${r} `, N, 1))));
      best.d8 = Math.max(best.d8, await count('direct_8_in_flight', async () => N / (await sendAll(admin, plain, `direct8 ${r} `, N, IN_FLIGHT))));
      const cpu0 = process.cpuUsage();
      // Katzenpost -> Matrix: N group messages, until the bridge has them all shown (the
      // homeserver answered each send, as the direct client waits for); checked on Synapse after.
      best.k2m = Math.max(best.k2m, await count('k2m', async () => {
        const shown = (await this.core.stores.inbox.counts()).delivered;
        const t0 = performance.now();
        for (let i = 1; i <= N; i++) await end.fromGroup(this.core, this.groupId, `k2m ${r} ${i}`, i + (r - 1) * N);
        await until('all shown in Matrix', async () => (await this.core.stores.inbox.counts()).delivered >= shown + N, 600_000, 10);
        return N / ((performance.now() - t0) / 1000);
      }));
      const inRoom = await admin.count(this.portal, `k2m ${r} `);
      if (inRoom !== N) throw new Error(`${this.label}: ${inRoom} of ${N} messages from Katzenpost are in the room`);
      // Matrix -> Katzenpost: one at a time and 8 in flight, until all are written to the group.
      const m2k = async (prefix: string, inFlight: number): Promise<number> => {
        const before = end.written();
        const t = performance.now();
        await sendAll(admin, this.portal, prefix, N, inFlight);
        await until(`${prefix}written`, () => end.written() >= before + N, 600_000, 5);
        return N / ((performance.now() - t) / 1000);
      };
      best.m2k1 = Math.max(best.m2k1, await count('m2k_one_at_a_time', () => m2k(`m2k1 ${r} `, 1)));
      best.m2k8 = Math.max(best.m2k8, await count('m2k_8_in_flight', () => m2k(`m2k8 ${r} `, IN_FLIGHT)));
      const cpu = process.cpuUsage(cpu0);
      cpuUs += cpu.user + cpu.system;
    }
    const ratio = (x: number, d: number): number => Math.round((x / d) * 100) / 100;
    return {
      direct_one_at_a_time_per_s: r1(best.d1),
      direct_8_in_flight_per_s: r1(best.d8),
      k2m_per_s: r1(best.k2m),
      k2m_ratio_to_direct: ratio(best.k2m, best.d1),
      m2k_one_at_a_time_per_s: r1(best.m2k1),
      m2k_one_at_a_time_ratio: ratio(best.m2k1, best.d1),
      m2k_8_in_flight_per_s: r1(best.m2k8),
      m2k_8_in_flight_ratio: ratio(best.m2k8, best.d8),
      cpu_ms_per_message: Math.round((cpuUs / 1000 / (3 * N * ROUNDS)) * 100) / 100,
      requests_per_message: counted,
      synapse_cpu_ms_per_message: Object.fromEntries(Object.entries(synapseMs).map(([k, v]) => [k, Math.round((v / (N * ROUNDS)) * 100) / 100])) as Record<Phase, number>,
    };
  }

  /** The core's queues first (in-flight deliveries finish), then the appservice. */
  async stop(): Promise<void> {
    const m = this.matrix;
    this.matrix = undefined;
    if (!m) return;
    await this.core.stop();
    await m.stop();
  }
}

function print(label: string, f: Figures): void {
  console.log(`${label}: Synapse direct (same rounds) ${f.direct_one_at_a_time_per_s} msg/s one at a time, ${f.direct_8_in_flight_per_s} msg/s with ${IN_FLIGHT} in flight (best of ${ROUNDS})`);
  console.log(`${label}: Katzenpost -> Matrix ${f.k2m_per_s} msg/s (${f.k2m_ratio_to_direct}x direct one at a time; each room's messages go in order, one at a time)`);
  console.log(`${label}: Matrix -> Katzenpost ${f.m2k_one_at_a_time_per_s} msg/s sent one at a time (${f.m2k_one_at_a_time_ratio}x direct), ${f.m2k_8_in_flight_per_s} msg/s with ${IN_FLIGHT} in flight (${f.m2k_8_in_flight_ratio}x direct)`);
  console.log(`${label}: CPU ${f.cpu_ms_per_message} ms per message in this process (the bridge and the bench's clients)`);
  const s = f.synapse_cpu_ms_per_message;
  console.log(
    `${label}: Synapse CPU per message: direct ${s.direct} ms (${s.direct_8_in_flight} with ${IN_FLIGHT} in flight); bridged Katzenpost -> Matrix ${s.k2m} ms, Matrix -> Katzenpost ${s.m2k_one_at_a_time} ms (${s.m2k_8_in_flight} with ${IN_FLIGHT} in flight)`,
  );
  for (const [phase, c] of Object.entries(f.requests_per_message)) {
    console.log(`${label}: HTTP per message, ${phase}: bridge -> Synapse: ${describeCounts(c.bridge)}; client -> Synapse: ${describeCounts(c.clients)}; Synapse -> appservice: ${describeCounts(c.served)}`);
  }
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'kb-bench-matrix-'));
  const emulator = startKatzenbridge(['emulator', '--listen', '127.0.0.1:0', '--profile', 'fast']);
  const address = (await emulator.waitFor(/emulator: listening on (\S+)/))[1]!;
  // One appservice for both compositions, one after the other: a second registration would make
  // Synapse do more per event and slow every figure, the direct ones too.
  const asPort = await freePort();
  const registration = join(tmp, 'registration.yaml');
  await writeFile(registration, renderRegistration({ url: `http://127.0.0.1:${asPort}`, domain: 'localhost', userPrefix: 'kp_', botLocalpart: 'katzenbridge', asToken: `as-bench-${Date.now()}`, hsToken: `hs-bench-${Date.now()}` }), { mode: 0o600 });
  const hs = await startSynapse({ appserviceRegistrations: [registration] });
  const synapsePid = Number((await readFile(join(hs.dataDir, 'synapse.run.pid'), 'utf8')).trim());
  const stores: Store[] = [];
  const running: Array<{ stop(): Promise<void> }> = [];
  try {
    const a = await hs.registerUser('benchadmin', 'bench-password-1');
    const admin = new Client(hs, a.userId, a.accessToken);
    const open = async (name: string): Promise<Store> => {
      await mkdir(join(tmp, name));
      const s = await openStore({ databasePath: join(tmp, name, 'kb.db'), keyFile: join(tmp, name, 'secrets.key') });
      stores.push(s);
      return s;
    };

    // Direct: a client sending to Synapse in a room of its own, no bridge involved.
    const plain = (await admin.call<{ room_id: string }>('POST', '/createRoom', { preset: 'private_chat' })).room_id;
    await sendAll(admin, plain, 'warm ', 10, 1);
    console.log(`matrix bench: ${N} messages each way per round, ${ROUNDS} rounds, Synapse ${hs.serverName} on loopback, emulator at ${address} (fast profile, own process)`);

    // The Matrix half alone.
    let halfFigures: Figures | undefined;
    if (runs('half')) {
      const halfEnd = fakeEnd();
      const half = new Composition('matrix half', await open('half'), registration, asPort);
      running.push(half);
      await half.start(hs, admin, halfEnd);
      halfFigures = await half.measure(admin, halfEnd, plain, synapsePid);
      await half.stop();
      print('matrix half (in-memory group side)', halfFigures);
    }

    // The daemon's composition: the group chat engine on the emulator; then its store grows by
    // 100 portals of 20 members each (real streams the engine reads) and the daemon runs on it.
    let engineFigures: Figures | undefined;
    let daemon: (DaemonFigures & { launch: string }) | undefined;
    let compared: (DaemonFigures & { launch: string }) | undefined;
    if (runs('engine')) {
      const engineStore = await open('engine');
      const eng = new Composition('engine', engineStore, registration, asPort);
      const end = await engineEnd(address, engineStore, join(tmp, 'engine'), () => eng.core);
      running.push(end, eng);
      await eng.start(hs, admin, end);
      engineFigures = await eng.measure(admin, end, plain, synapsePid);
      print('engine (group chat engine on the emulator)', engineFigures);
      for (let p = 0; p < 100; p++) {
        const g = asGroupId(`mem-${p}`);
        await end.side.createGroup(g, 'bridge');
        await eng.core.addPortal(g, `mem ${p}`);
        for (let m = 0; m < 20; m++) {
          const key = await end.addRawMember(g, `member ${m}`, await end.newStream());
          await eng.core.stores.ghosts.upsert(g, asMemberId(key), `member ${m}`);
        }
      }
      await eng.stop();
      await end.stopBridgeSide();
      await engineStore.close();
      stores.splice(stores.indexOf(engineStore), 1);
      const run: Omit<DaemonRun, 'launch'> = {
        hs,
        dir: tmp,
        storePath: join(tmp, 'engine', 'kb.db'),
        keyFile: join(tmp, 'engine', 'secrets.key'),
        registration,
        asPort,
        emulator: address,
        admin,
        portal: eng.portal,
        messages: Math.min(N, 50),
        fromGroup: (text) => end.fromGroup(eng.core, eng.groupId, text, 0),
        readBy: (prefix) => end.readBy(prefix),
      };
      // As systemd/katzenbridge.service starts it, then started plainly (or as
      // KB_BENCH_MATRIX_COMPARE says), so the memory and CPU of the unit's flags show in one run.
      const operator = unitLaunch();
      const other = parseLaunch(process.env['KB_BENCH_MATRIX_COMPARE'] ?? (operator.nodeFlags.length > 0 ? '' : SEMI_SPACE_FLAG));
      daemon = { launch: describeLaunch(operator), ...(await measureDaemon({ ...run, launch: operator })) };
      compared = { launch: describeLaunch(other), ...(await measureDaemon({ ...run, launch: other })) };
      for (const d of [daemon, compared]) {
        const label = `daemon (katzenbridge run, own process, started with: ${d.launch}${d === daemon ? ', as the systemd unit' : ''})`;
        console.log(`${label}: resident ${d.rss_mb} MB after traffic both ways with 101 portals, 100 of 20 members (peak ${d.rss_peak_mb} MB, ${d.rss_mb_after_start} MB at start; target < 150 MB)`);
        console.log(
          `${label}: CPU ${d.cpu_ms_per_message} ms per message (${d.cpu_ms_per_message_above_idle} above its idle ${d.idle_cpu_ms_per_s} ms/s of member stream reads); Katzenpost -> Matrix ${d.k2m_per_s} msg/s, Matrix -> Katzenpost ${d.m2k_8_in_flight_per_s} msg/s with 8 in flight (${run.messages} each way)`,
        );
      }
    }
    console.log(JSON.stringify({ messages: N, rounds: ROUNDS, matrix_half: halfFigures ?? null, engine: engineFigures ?? null, daemon: daemon ?? null, daemon_compared: compared ?? null }));
  } finally {
    for (const x of running.reverse()) await x.stop().catch((e: unknown) => console.error(e));
    for (const s of stores) await s.close();
    await hs.destroy();
    await emulator.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
