// `npm run bench:matrix` (issue 6): messages per second through the bridge core, the Matrix
// frontend and a real Synapse (scripts/servers/synapse.sh), each way, next to Synapse's own rate
// for the same number of messages sent straight by a client (one at a time and 8 in flight), all
// in one run so the ratios mean something on a noisy machine. The group side is the in-memory
// fake, so the figures are the Matrix half's (Katzenpost's own latency is the emulator's and the
// mixnet's, not the bridge's). Also: the bridge's CPU milliseconds per message (this process,
// which also runs the benchmark's own client: an upper bound) and the resident memory with 100
// portals of 20 members each. Targets: bridged >= 0.9x direct, under 150 MB resident.
// KB_BENCH_MATRIX_MESSAGES sets the count (default 200).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BridgeCore } from '../../src/bridge/index.js';
import { renderRegistration } from '../../src/cli/registration.js';
import type { Config } from '../../src/config/index.js';
import { asBoxCounter, asFrontendRoomId, asGroupId, type GroupId } from '../../src/ids/index.js';
import { MATRIX_FRONTEND_ID, startMatrix } from '../../src/matrix/index.js';
import { openStore } from '../../src/store/index.js';
import { freePort } from '../support/servers/free-port.js';
import { MatrixUser } from '../support/matrix-user.js';
import { startSynapse } from '../support/servers/index.js';
import { FakeGroupSide, memberHex } from '../unit/bridge/fake-group-side.js';

const N = Number(process.env['KB_BENCH_MATRIX_MESSAGES'] ?? 200);
const IN_FLIGHT = 8;

class Client extends MatrixUser {
  /** How many m.room.message events in `room` have a body starting with `prefix`. */
  async count(room: string, prefix: string): Promise<number> {
    const r = await this.call<{ chunk: Array<{ type: string; content: { body?: string } }> }>('GET', `/rooms/${encodeURIComponent(room)}/messages?dir=b&limit=1000`);
    return r.chunk.filter((e) => e.type === 'm.room.message' && String(e.content.body ?? '').startsWith(prefix)).length;
  }
}

async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 600_000, pollMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
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

async function main(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'kb-bench-matrix-'));
  const asPort = await freePort();
  const registration = join(tmp, 'registration.yaml');
  await writeFile(registration, renderRegistration({ url: `http://127.0.0.1:${asPort}`, domain: 'localhost', userPrefix: 'kp_', botLocalpart: 'katzenbridge', asToken: `as-bench-${Date.now()}`, hsToken: `hs-bench-${Date.now()}` }), { mode: 0o600 });
  const hs = await startSynapse({ appserviceRegistrations: [registration] });
  const store = await openStore({ databasePath: join(tmp, 'kb.db'), keyFile: join(tmp, 'secrets.key') });
  const group = new FakeGroupSide();
  let matrix: Awaited<ReturnType<typeof startMatrix>> | undefined;
  try {
    const a = await hs.registerUser('benchadmin', 'bench-password-1');
    const admin = new Client(hs, a.userId, a.accessToken);
    const bridgeConfig: Config['bridge'] = { admins: [admin.userId], join_policy: 'auto', puppet_display_name: '{name} ({network})', strip_image_metadata: true, max_file_bytes: 100_000 };
    const core = new BridgeCore({ db: store.db, secrets: store.secrets, group, config: bridgeConfig });
    matrix = await startMatrix({
      config: {
        homeserver: { enabled: true, federate_rooms: false, portal_join_rule: 'invite', url: hs.url, domain: hs.serverName, appservice: { port: asPort, bind_address: '127.0.0.1', registration, user_prefix: 'kp_', bot_localpart: 'katzenbridge' } },
        bridge: bridgeConfig,
      } as Pick<Config, 'homeserver' | 'bridge'>,
      core,
      db: store.db,
      portals: { isPortal: async (room) => (await core.stores.portals.byRoom(MATRIX_FRONTEND_ID, asFrontendRoomId(room))) !== undefined },
      libraryLog: { level: 'off', json: false },
    });
    await core.start();

    // A portal room, and a plain room for the direct baseline.
    const portal = (await admin.call<{ room_id: string }>('POST', '/createRoom', { preset: 'private_chat', invite: [`@katzenbridge:${hs.serverName}`] })).room_id;
    const groupId: GroupId = asGroupId('bench');
    await group.createGroup(groupId);
    await core.addPortal(groupId, 'bench');
    await core.stores.portals.link(groupId, MATRIX_FRONTEND_ID, asFrontendRoomId(portal));
    await until('the bot in the portal', async () => (await admin.call<{ joined: Record<string, unknown> }>('GET', `/rooms/${encodeURIComponent(portal)}/joined_members`)).joined[`@katzenbridge:${hs.serverName}`] !== undefined, 30_000, 100);
    const plain = (await admin.call<{ room_id: string }>('POST', '/createRoom', { preset: 'private_chat' })).room_id;

    // Warm-up both ways: the ghost and the puppet are made on the first message.
    const member = memberHex(1);
    await core.groupEvent({ type: 'text', groupId, member, counter: asBoxCounter('0'), displayName: 'alice', text: 'warm-up' });
    await until('warm-up shown', async () => (await admin.count(portal, 'warm-up')) === 1, 60_000, 50);
    await admin.text(portal, 'warm-up back');
    await until('warm-up written', () => group.written.length === 1, 60_000);

    // Direct: a client sending to Synapse, no bridge involved.
    await sendAll(admin, plain, 'warm ', 10, 1);
    const direct1 = N / (await sendAll(admin, plain, 'direct1 ', N, 1));
    const direct8 = N / (await sendAll(admin, plain, 'direct8 ', N, IN_FLIGHT));

    // Katzenpost -> Matrix: N group messages handed to the core, until all show in the room.
    const cpu0 = process.cpuUsage();
    let t0 = performance.now();
    for (let i = 1; i <= N; i++) await core.groupEvent({ type: 'text', groupId, member, counter: asBoxCounter(String(i)), displayName: 'alice', text: `k2m ${i}` });
    await core.idle();
    await until('all shown in Matrix', async () => (await admin.count(portal, 'k2m ')) >= N, 600_000, 50);
    const k2m = N / ((performance.now() - t0) / 1000);

    // Matrix -> Katzenpost: one at a time and 8 in flight, until all written to the group.
    const m2k = async (prefix: string, inFlight: number): Promise<number> => {
      const before = group.written.length;
      const t = performance.now();
      await sendAll(admin, portal, prefix, N, inFlight);
      await until(`${prefix}written`, () => group.written.length >= before + N, 600_000, 5);
      return N / ((performance.now() - t) / 1000);
    };
    t0 = performance.now();
    const m2k1 = await m2k('m2k1 ', 1);
    const m2k8 = await m2k('m2k8 ', IN_FLIGHT);
    const cpu = process.cpuUsage(cpu0);
    const cpuMsPerMessage = (cpu.user + cpu.system) / 1000 / (3 * N);

    // Memory: 100 portals of 20 members each, known to the core (rows and ghost names).
    global.gc?.();
    const rssBeforeMb = process.memoryUsage().rss / 1024 / 1024;
    for (let p = 0; p < 100; p++) {
      const g = asGroupId(`mem-${p}`);
      await core.addPortal(g, `mem ${p}`);
      for (let m = 0; m < 20; m++) await core.stores.ghosts.upsert(g, memberHex(1000 + p * 20 + m), `member ${m}`);
    }
    global.gc?.();
    const rssMb = process.memoryUsage().rss / 1024 / 1024;

    const r = (x: number) => Math.round(x * 10) / 10;
    console.log(`matrix bench: ${N} messages each way through the bridge core, the Matrix frontend and Synapse ${hs.serverName} (loopback)`);
    console.log(`Synapse direct (a client, no bridge): ${r(direct1)} msg/s one at a time, ${r(direct8)} msg/s with ${IN_FLIGHT} in flight`);
    console.log(`Katzenpost -> Matrix through the bridge: ${r(k2m)} msg/s (${r(k2m / direct1)}x direct one at a time; the bridge sends each room's messages in order, one at a time)`);
    console.log(`Matrix -> Katzenpost through the bridge: ${r(m2k1)} msg/s sent one at a time (${r(m2k1 / direct1)}x direct), ${r(m2k8)} msg/s with ${IN_FLIGHT} in flight (${r(m2k8 / direct8)}x direct)`);
    console.log(`bridge CPU: ${cpuMsPerMessage.toFixed(2)} ms per message (this process, including the benchmark's own client)`);
    console.log(`resident memory with 100 portals x 20 members: ${r(rssMb)} MB (target < 150 MB; ${r(rssBeforeMb)} MB before adding them, after the traffic above)`);
    console.log(
      JSON.stringify({
        messages: N,
        direct_one_at_a_time_per_s: r(direct1),
        direct_8_in_flight_per_s: r(direct8),
        k2m_per_s: r(k2m),
        k2m_ratio_to_direct: r(k2m / direct1),
        m2k_one_at_a_time_per_s: r(m2k1),
        m2k_one_at_a_time_ratio: r(m2k1 / direct1),
        m2k_8_in_flight_per_s: r(m2k8),
        m2k_8_in_flight_ratio: r(m2k8 / direct8),
        cpu_ms_per_message: Math.round(cpuMsPerMessage * 100) / 100,
        rss_mb_100x20: r(rssMb),
        rss_mb_before_portals: r(rssBeforeMb),
      }),
    );
  } finally {
    await matrix?.stop();
    await store.close();
    await hs.destroy();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
