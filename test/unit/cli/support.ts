import type { CliIo } from '../../../src/cli/command.js';

/** A CliIo that records what a command printed. */
export function recordingIo(env: Record<string, string> = {}): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    env,
    out(text: string) {
      io.stdout += `${text}\n`;
    },
    err(text: string) {
      io.stderr += `${text}\n`;
    },
  };
  return io;
}
