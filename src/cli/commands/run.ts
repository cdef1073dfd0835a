// `katzenbridge run -c CONFIG`: the daemon. Validates the config (an invalid one never starts),
// starts every part (daemon/daemon.ts), logs one summary line, then waits: SIGTERM/SIGINT stop it
// cleanly within a bound, SIGHUP reloads what can change safely and says what it applied.
import { EXIT_FAILURE, EXIT_OK, parseFlags, UsageError, type CliIo, type Command } from '../command.js';
import { loadConfigForCommand } from '../config-file.js';
import { createDaemonLogger } from '../daemon/daemon-logger.js';
import { startDaemon, type Daemon } from '../daemon/daemon.js';
import { SHUTDOWN_BOUND_MS } from '../daemon/shutdown.js';

const HELP = `Options:
  -c, --config FILE        the config (see config.sample.yaml); checked as by check-config,
                           and the daemon does not start if it has any problem
  --no-matrix              run without the Matrix appservice (an IRC-only bridge)
  --emulator-profile NAME  with katzenpost.daemon: embedded-emulator, how the in-process mixnet
                           feels: demo (default: ~1.5 s per round trip) or fast (no latency)

Signals: SIGTERM or SIGINT finish in-flight deliveries, close the daemon session (thin_close)
and exit within ${SHUTDOWN_BOUND_MS / 1000} s; SIGHUP re-reads FILE and applies logging.level and
logging.json, naming any other changed key as needing a restart.
With the embedded emulator, other local members reach it at unix:STATE/kpclientd.sock, where
STATE is the folder of store.path.`;

/** How the command waits for signals; tests pass their own emitter. */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', listener: () => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', listener: () => void): unknown;
}

export interface RunArgs {
  readonly configPath: string;
  readonly matrix: boolean;
  readonly emulatorProfile: 'demo' | 'fast';
}

export function parseRunArgs(argv: readonly string[]): RunArgs {
  const { values } = parseFlags(
    argv,
    { config: { type: 'string', short: 'c' }, 'no-matrix': { type: 'boolean' }, 'emulator-profile': { type: 'string' } },
    { min: 0, max: 0 },
  );
  if (!values.config) throw new UsageError('-c CONFIG is required');
  const profile = values['emulator-profile'] ?? 'demo';
  if (profile !== 'demo' && profile !== 'fast') throw new UsageError(`--emulator-profile: expected demo or fast, got ${JSON.stringify(profile)}`);
  return { configPath: values.config, matrix: !values['no-matrix'], emulatorProfile: profile };
}

export async function runDaemon(args: RunArgs, io: CliIo, signals: SignalSource): Promise<number> {
  const config = loadConfigForCommand(args.configPath, io);
  if (!config) {
    io.err('run: not started because the config has problems');
    return EXIT_FAILURE;
  }
  const log = createDaemonLogger(config.logging.level, config.logging.json, (line) => io.err(line));
  let daemon: Daemon;
  try {
    daemon = await startDaemon(config, { log, matrix: args.matrix, emulatorProfile: args.emulatorProfile });
  } catch (e) {
    log.log('error', 'start.failed', { error: (e as Error).message });
    io.err(`run: could not start: ${(e as Error).message}`);
    return EXIT_FAILURE;
  }
  log.log('info', 'started', { summary: daemon.summary });

  const onHup = (): void => {
    const next = loadConfigForCommand(args.configPath, io);
    if (!next) return log.log('warn', 'reload.refused', { reason: 'the config has problems; nothing applied' });
    const p = daemon.reload(next);
    log.log('info', 'reload.done', { applied: p.apply.join(',') || 'nothing', needs_restart: p.restart.join(',') || 'nothing' });
  };
  signals.on('SIGHUP', onHup);
  const reason = await stopSignal(signals);
  const report = await daemon.stop(reason);
  signals.off('SIGHUP', onHup);
  return report.clean ? EXIT_OK : EXIT_FAILURE;
}

/** The first SIGTERM or SIGINT. The listeners go right after, so a second one during the clean
 *  stop gets Node's default (exit at once): the operator's way to force it. */
function stopSignal(signals: SignalSource): Promise<string> {
  return new Promise((resolve) => {
    const term = (): void => done('SIGTERM');
    const int = (): void => done('SIGINT');
    const done = (reason: string): void => {
      signals.off('SIGTERM', term);
      signals.off('SIGINT', int);
      resolve(reason);
    };
    signals.on('SIGTERM', term);
    signals.on('SIGINT', int);
  });
}

export const run: Command = {
  name: 'run',
  summary: 'Run the bridge daemon.',
  usage: 'katzenbridge run -c CONFIG [--no-matrix] [--emulator-profile demo|fast]',
  help: HELP,
  run: (argv, io) => runDaemon(parseRunArgs(argv), io, process),
};
