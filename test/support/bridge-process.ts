// `katzenbridge run` (or any katzenbridge command) as its own process, for end-to-end tests
// (DESIGN.md §6 "the bridge as a separate process"). Runs the compiled main.js of the build these
// tests came from, on the Node running the tests (the pinned Node 22), and keeps all its output.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI entry point beside these compiled tests (dist/ or a KB_BUILD_DIR). */
export const MAIN_JS = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface KatzenbridgeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or 128 + signal number style name) once the process ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when `pattern` appears in stdout+stderr; rejects on exit or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startKatzenbridge(args: readonly string[], env: Record<string, string> = {}): KatzenbridgeProcess {
  const child = spawn(process.execPath, [MAIN_JS, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => ((out += d), listeners.forEach((l) => l())));
  child.stderr.setEncoding('utf8').on('data', (d: string) => ((err += d), listeners.forEach((l) => l())));
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = true;
      listeners.forEach((l) => l());
      resolve({ code, signal });
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = (out + err).match(pattern);
          if (m) return done(() => resolve(m));
          if (ended) return done(() => reject(new Error(`katzenbridge exited before ${pattern}; output:\n${out}${err}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${ms} ms; output:\n${out}${err}`))), ms);
        const done = (f: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          f();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (!ended) child.kill(signal);
      return exited;
    },
  };
}
