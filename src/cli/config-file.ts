// Loading the config for a command: every problem printed with file, line and key path, and the
// command stops (exit 1). `run` uses this too, so an invalid config never starts the daemon.
import { checkConfigFile, formatProblem, PROCESS_ENVIRONMENT, type Config } from '../config/index.js';
import type { CliIo } from './command.js';

export function loadConfigForCommand(path: string, io: CliIo): Config | undefined {
  const { config, problems } = checkConfigFile(path, { ...PROCESS_ENVIRONMENT, env: io.env });
  if (config) return config;
  for (const p of problems) io.err(formatProblem(path, p));
  io.err(`${path}: ${problems.length} problem${problems.length === 1 ? '' : 's'}; see config.sample.yaml for every key`);
  return undefined;
}
