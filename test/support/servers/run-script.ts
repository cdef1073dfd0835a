import { execFile, spawnSync } from 'node:child_process';
import { repoPath } from '../paths.js';

/** Room for a chroot build (a cold one takes a couple of minutes) before a script gives up. */
const SCRIPT_TIMEOUT_MS = 15 * 60_000;
/** How much of a failed script's stderr goes into the error: the reason is in its last lines. */
const STDERR_TAIL_CHARS = 4000;

export class ServerScriptError extends Error {
  readonly code = 'SERVER_SCRIPT_FAILED';
  constructor(
    readonly script: string,
    readonly args: readonly string[],
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`scripts/servers/${script} ${args.join(' ')} failed:\n${stderr.slice(-STDERR_TAIL_CHARS)}`, options);
    this.name = 'ServerScriptError';
  }
}

function scriptPath(script: string): string {
  return repoPath('scripts', 'servers', script);
}

/** Runs one of scripts/servers/*.sh and resolves with its stdout; a failure rejects with the
 *  script's own explanation (its stderr), so a server that cannot start fails the test loudly. */
export function runServerScript(script: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [scriptPath(script), ...args], { timeout: SCRIPT_TIMEOUT_MS, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new ServerScriptError(script, args, stderr || String(err), { cause: err }));
      else resolve(stdout);
    });
  });
}

/** Synchronous variant for process 'exit' handlers, where nothing asynchronous runs any more. */
export function runServerScriptSync(script: string, args: readonly string[]): void {
  spawnSync('bash', [scriptPath(script), ...args], { stdio: 'ignore', timeout: 60_000 });
}

/** Servers still running, stopped when the test process exits however it exits (a failed hook,
 *  an uncaught error), so no orphan Synapse or InspIRCd outlives the run. */
const liveStops = new Set<() => void>();
let exitHookInstalled = false;

export function stopOnExit(stopSync: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const stop of liveStops) stop();
    });
  }
  liveStops.add(stopSync);
  return () => liveStops.delete(stopSync);
}
