// A real InspIRCd 3 for end-to-end tests (DESIGN.md §6), started by scripts/servers/inspircd.sh
// with its own config in a temp folder and on a free loopback port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { runServerScript, runServerScriptSync, stopOnExit } from './run-script.js';

export interface InspircdOptions {
  /** Defaults to a free loopback port. */
  port?: number;
}

export interface InspircdServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Config, pid and logs (ircd.log, stdout.log). */
  readonly dir: string;
  /** Stops the server: every client connection drops. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop()). */
  start(): Promise<void>;
  /** stop() then start(): "the IRC server restarted mid-conversation". */
  restart(): Promise<void>;
  /** Stops it and deletes its folder; call from after(). */
  destroy(): Promise<void>;
}

export async function startInspircd(opts: InspircdOptions = {}): Promise<InspircdServer> {
  const port = opts.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), 'kb-inspircd-'));
  const start = async (): Promise<void> => {
    await runServerScript('inspircd.sh', ['start', '--port', String(port), '--dir', dir]);
  };
  const stop = async (): Promise<void> => {
    await runServerScript('inspircd.sh', ['stop', '--dir', dir]);
  };
  const forget = stopOnExit(() => runServerScriptSync('inspircd.sh', ['stop', '--dir', dir]));
  try {
    await start();
  } catch (err) {
    forget();
    throw err;
  }
  return {
    host: '127.0.0.1',
    port,
    dir,
    stop,
    start,
    async restart() {
      await stop();
      await start();
    },
    async destroy() {
      await stop();
      forget();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
