// bench:matrix, the daemon as the operator runs it: `katzenbridge run -c CONFIG` in its own
// process (dist/src/cli/main.js), on a store the benchmark prepared (the engine composition's,
// with its Matrix portal, a Katzenpost member and 100 more portals of 20 members each), talking
// to the bench's emulator as it would to kpclientd (tcp:HOST:PORT) and to the same Synapse. After
// traffic both ways, its resident memory (VmRSS, and the peak VmHWM) is read from
// /proc/PID/status, and its CPU time per bridged message from /proc/PID/stat: the bridge's own
// figures, without the benchmark's clients and harness (issue 6: "under 150 MB resident").
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startKatzenbridge } from '../support/bridge-process.js';
import type { MatrixUser } from '../support/matrix-user.js';
import { freePort } from '../support/servers/free-port.js';
import type { SynapseServer } from '../support/servers/index.js';
import { repoPath } from '../support/paths.js';

/** Clock ticks per second of /proc/PID/stat utime and stime (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

export interface DaemonRun {
  readonly hs: SynapseServer;
  readonly dir: string;
  readonly storePath: string;
  readonly keyFile: string;
  readonly registration: string;
  readonly asPort: number;
  /** The emulator's TCP address (host:port). */
  readonly emulator: string;
  readonly admin: MatrixUser;
  readonly portal: string;
  readonly messages: number;
  /** A Katzenpost member in the portal's group sends `text`; resolves once written. */
  fromGroup(text: string): Promise<void>;
  /** Texts the Katzenpost member has read so far that start with `prefix`. */
  readBy(prefix: string): number;
  readonly launch: Launch;
}

export interface DaemonFigures {
  rss_mb: number;
  rss_peak_mb: number;
  rss_mb_after_start: number;
  cpu_ms_per_message: number;
  /** Less what the daemon spends idle over as long (reads of idle member streams). */
  cpu_ms_per_message_above_idle: number;
  idle_cpu_ms_per_s: number;
  k2m_per_s: number;
  m2k_8_in_flight_per_s: number;
}

const status = async (pid: number): Promise<{ rssMb: number; peakMb: number }> => {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 102.4) / 10, peakMb: Math.round(kb('VmHWM') / 102.4) / 10 };
};

/** utime + stime of `pid`, in milliseconds. */
export const cpuMs = async (pid: number): Promise<number> => {
  const s = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  return ((Number(f[11]) + Number(f[12])) * 1000) / USER_HZ;
};

/** How the daemon process is started: node flags (given as NODE_OPTIONS) and environment. */
export interface Launch {
  readonly nodeFlags: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** systemd/katzenbridge.service's node flags (ExecStart, between node and main.js) and its
 *  Environment= variables: the daemon is measured as operators run it. */
export function unitLaunch(unit = readFileSync(repoPath('systemd', 'katzenbridge.service'), 'utf8')): Launch {
  const words = (/^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '').split(/\s+/);
  const main = words.findIndex((w) => w.endsWith('/main.js'));
  const env = [...unit.matchAll(/^Environment=(\S+?)=(\S*)$/gm)].map((m) => [m[1]!, m[2]!] as const);
  return { nodeFlags: words.slice(1, main === -1 ? 1 : main).filter((w) => w.startsWith('--')), env: Object.fromEntries(env) };
}

/** "--flag NAME=value": words starting with -- are node flags, the others environment variables. */
export function parseLaunch(text: string): Launch {
  const words = text.split(/\s+/).filter((w) => w !== '');
  return { nodeFlags: words.filter((w) => w.startsWith('--')), env: Object.fromEntries(words.filter((w) => !w.startsWith('--') && w.includes('=')).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)])) };
}

export const describeLaunch = (l: Launch): string => [...l.nodeFlags, ...Object.entries(l.env).map(([k, v]) => `${k}=${v}`)].join(' ') || 'none';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 600_000, pollMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(pollMs);
  }
}

export async function measureDaemon(o: DaemonRun): Promise<DaemonFigures> {
  const config = join(o.dir, 'daemon.yaml');
  await writeFile(
    config,
    [
      'homeserver:',
      `  url: ${o.hs.url}`,
      `  domain: ${o.hs.serverName}`,
      '  appservice:',
      `    port: ${o.asPort}`,
      `    registration: ${o.registration}`,
      'bridge:',
      `  admins: ["${o.admin.userId}"]`,
      '  join_policy: auto',
      'katzenpost:',
      `  daemon: tcp:${o.emulator}`,
      'store:',
      `  path: ${o.storePath}`,
      'secrets:',
      `  key_file: ${o.keyFile}`,
      'logging:',
      '  level: info',
      'metrics:',
      `  listen: 127.0.0.1:${await freePort()}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const kb = startKatzenbridge(['run', '-c', config], { ...o.launch.env, NODE_OPTIONS: o.launch.nodeFlags.join(' ') });
  try {
    await kb.waitFor(/started summary=/, 120_000);
    const pid = kb.child.pid!;
    const afterStart = await status(pid);
    // Idle: the engine's reads of every member stream go on without traffic (its budget).
    const idle0 = await cpuMs(pid);
    const tIdle = performance.now();
    await sleep(5_000);
    const idleMsPerS = ((await cpuMs(pid)) - idle0) / ((performance.now() - tIdle) / 1000);
    const n = o.messages;
    const last = async (): Promise<string> => {
      const r = await o.admin.call<{ chunk: Array<{ content: { body?: unknown } }> }>('GET', `/rooms/${encodeURIComponent(o.portal)}/messages?dir=b&limit=1&filter=${encodeURIComponent('{"types":["m.room.message"]}')}`);
      return String(r.chunk[0]?.content.body ?? '');
    };
    // Warm-up each way, untimed: after a start the engine knows no stream as active, so the
    // first box of the member waits for its turn among the 2,000 idle streams' polls.
    const tag = `${Date.now()}`;
    await o.fromGroup(`dwarm ${tag}`);
    await until('the warm-up shown', async () => (await last()) === `dwarm ${tag}`, 600_000, 250);
    await o.admin.text(o.portal, `dwarm back ${tag}`);
    await until('the warm-up read', () => o.readBy(`dwarm back ${tag}`) >= 1, 600_000, 50);
    const cpu0 = await cpuMs(pid);
    const tTraffic = performance.now();
    const t0 = performance.now();
    for (let i = 1; i <= n; i++) await o.fromGroup(`dk2m ${tag} ${i}`);
    await until('the daemon to show them in Matrix', async () => (await last()) === `dk2m ${tag} ${n}`, 600_000, 100);
    const k2m = n / ((performance.now() - t0) / 1000);
    const t1 = performance.now();
    let next = 1;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next <= n) await o.admin.text(o.portal, `dm2k ${tag} ${next++}`);
    }));
    await until('the member to read them', () => o.readBy(`dm2k ${tag} `) >= n, 600_000, 20);
    const m2k = n / ((performance.now() - t1) / 1000);
    const cpu = (await cpuMs(pid)) - cpu0;
    const trafficS = (performance.now() - tTraffic) / 1000;
    await sleep(2_000);
    const after = await status(pid);
    const r1 = (x: number): number => Math.round(x * 10) / 10;
    return {
      rss_mb: after.rssMb,
      rss_peak_mb: after.peakMb,
      rss_mb_after_start: afterStart.rssMb,
      cpu_ms_per_message: Math.round((cpu / (2 * n)) * 100) / 100,
      cpu_ms_per_message_above_idle: Math.round((Math.max(0, cpu - idleMsPerS * trafficS) / (2 * n)) * 100) / 100,
      idle_cpu_ms_per_s: r1(idleMsPerS),
      k2m_per_s: r1(k2m),
      m2k_8_in_flight_per_s: r1(m2k),
    };
  } catch (e) {
    console.error(`daemon output:\n${kb.stdout()}${kb.stderr()}`);
    throw e;
  } finally {
    await kb.stop();
  }
}
