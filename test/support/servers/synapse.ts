// A real Synapse for end-to-end tests (DESIGN.md §6), started by scripts/servers/synapse.sh
// inside the cached Debian chroot. One instance per call: own port, own data folder.
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { freePort } from './free-port.js';
import { runServerScript, runServerScriptSync, stopOnExit } from './run-script.js';

export interface SynapseOptions {
  /** Appservice registration files (e.g. the bridge's registration.yaml), copied into the
   *  homeserver at every start, so a rewritten file is picked up by stop() + start(). */
  appserviceRegistrations?: readonly string[];
  /** Defaults to "localhost". */
  serverName?: string;
  /** Defaults to a free loopback port. */
  port?: number;
}

export interface RegisteredUser {
  userId: string;
  accessToken: string;
  deviceId: string;
}

export interface SynapseServer {
  /** Client-server API base, e.g. http://127.0.0.1:PORT (no trailing slash). */
  readonly url: string;
  readonly serverName: string;
  readonly port: number;
  /** The data folder as seen from the host (database, media, stdout.log). */
  readonly dataDir: string;
  readonly logFile: string;
  /** Creates a user through shared-secret registration (the only way in: open registration
   *  is off) and returns its first access token. */
  registerUser(name: string, password: string, admin?: boolean): Promise<RegisteredUser>;
  /** Stops the homeserver; its data stays, so start() brings back the same users and rooms. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data (after stop()). */
  start(): Promise<void>;
  /** Stops it and deletes its data folder; call from after(). */
  destroy(): Promise<void>;
}

interface StartInfo {
  url: string;
  serverName: string;
  port: number;
  dir: string;
}

interface RegisterResponse {
  user_id: string;
  access_token: string;
  device_id: string;
}

function registrationMac(secret: string, nonce: string, user: string, password: string, admin: boolean): string {
  // Synapse's shared-secret registration: HMAC-SHA1 keyed with registration_shared_secret over
  // the NUL-separated nonce, user, password and admin flag (admin API docs, "Shared-Secret
  // Registration").
  return createHmac('sha1', secret)
    .update([nonce, user, password, admin ? 'admin' : 'notadmin'].join('\0'))
    .digest('hex');
}

async function jsonOrThrow<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`Synapse ${what}: HTTP ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

export async function startSynapse(opts: SynapseOptions = {}): Promise<SynapseServer> {
  const port = opts.port ?? (await freePort());
  const baseArgs = ['--port', String(port)];
  const startArgs = [...baseArgs];
  if (opts.serverName !== undefined) startArgs.push('--server-name', opts.serverName);
  for (const file of opts.appserviceRegistrations ?? []) startArgs.push('--appservice', resolve(file));

  const launch = async (fresh: boolean): Promise<StartInfo> => {
    const out = await runServerScript('synapse.sh', ['start', ...startArgs, ...(fresh ? ['--fresh'] : [])]);
    const line = out.trim().split('\n').pop() ?? '';
    return JSON.parse(line) as StartInfo;
  };

  const forget = stopOnExit(() => runServerScriptSync('synapse.sh', ['stop', ...baseArgs]));
  let info: StartInfo;
  try {
    info = await launch(true);
  } catch (err) {
    forget();
    throw err;
  }
  const { url, serverName, dir } = info;

  return {
    url,
    serverName,
    port,
    dataDir: dir,
    logFile: join(dir, 'stdout.log'),
    async registerUser(name, password, admin = false) {
      const secret = (await readFile(join(dir, 'registration_shared_secret'), 'utf8')).trim();
      const endpoint = `${url}/_synapse/admin/v1/register`;
      const { nonce } = await jsonOrThrow<{ nonce: string }>(await fetch(endpoint), 'register nonce');
      const body = { nonce, username: name, password, admin, mac: registrationMac(secret, nonce, name, password, admin) };
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const r = await jsonOrThrow<RegisterResponse>(res, `register ${name}`);
      return { userId: r.user_id, accessToken: r.access_token, deviceId: r.device_id };
    },
    async stop() {
      await runServerScript('synapse.sh', ['stop', ...baseArgs]);
    },
    async start() {
      await launch(false);
    },
    async destroy() {
      await runServerScript('synapse.sh', ['destroy', ...baseArgs]);
      forget();
    },
  };
}
