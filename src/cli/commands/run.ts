// `katzenbridge run -c CONFIG`: the daemon. Validates the config (an invalid one never starts),
// starts every part (daemon/daemon.ts), logs one summary line, then hands the process lifecycle to
// the observability layer's Shutdown: SIGTERM/SIGINT drain within a bound, SIGHUP reloads what can
// change safely and says what it applied.
import { EXIT_FAILURE, parseFlags, UsageError, type CliIo, type Command } from '../command.js';
import { loadConfigForCommand } from '../config-file.js';
import { startDaemon } from '../daemon/daemon.js';
import { addKnownSecrets } from '../daemon/known-secrets.js';
import { warnIfInlineSecretsReadable } from '../daemon/config-exposure.js';
import type { Config } from '../../config/index.js';
import {
  DEFAULT_SHUTDOWN_TIMEOUT_MS, LOGGING_RELOADABLE_KEYS, Logger, PROCESS_SIGNALS, Readiness, Shutdown, applyLoggingConfig,
  defaultRegistry, metrics, planReload, type ReloadOutcome, type SignalSource,
} from '../../observability/index.js';

const HELP = `Options:
  -c, --config FILE        the config (see config.sample.yaml); checked as by check-config,
                           and the daemon does not start if it has any problem
  --no-matrix              run without the Matrix appservice (an IRC-only bridge), whatever
                           homeserver.enabled says
  --emulator-profile NAME  overrides katzenpost.emulator_profile: how the embedded emulator
                           feels, demo (~1.5 s per round trip) or fast (no latency)
  --irc-admin-hostmask irc:NETWORK/NAME=NICK!USER@HOST
                           also recognise that admin (listed in bridge.admins) on IRC by this
                           hostmask (* and ? allowed), besides irc.networks.*.admin_hostmasks;
                           repeatable. Without either, IRC admins are recognised only by their
                           services account NAME.

Signals: SIGTERM or SIGINT finish in-flight deliveries, close the daemon session (thin_close)
and exit within ${DEFAULT_SHUTDOWN_TIMEOUT_MS / 1000} s (a second one exits at once); SIGHUP re-reads FILE, applies
${LOGGING_RELOADABLE_KEYS.join(' and ')}, and names any other changed key as needing a restart.
With the embedded emulator, other local members (katzenbridge peer) reach it at
unix:STATE/kpclientd.sock, where STATE is the folder of store.path.`;

export interface RunArgs {
  readonly configPath: string;
  readonly matrix: boolean;
  /** From --emulator-profile; katzenpost.emulator_profile when absent. */
  readonly emulatorProfile?: 'demo' | 'fast';
  readonly ircAdminHostmasks: Readonly<Record<string, readonly string[]>>;
}

function parseHostmasks(items: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const item of items) {
    const m = /^(irc:[A-Za-z0-9_-]+\/[^\s=]+)=([^!@\s]+![^!@\s]+@[^!@\s]+)$/.exec(item);
    if (!m) throw new UsageError(`--irc-admin-hostmask: expected irc:NETWORK/NAME=NICK!USER@HOST, got ${JSON.stringify(item)}`);
    (out[m[1]!] ??= []).push(m[2]!);
  }
  return out;
}

export function parseRunArgs(argv: readonly string[]): RunArgs {
  const { values } = parseFlags(
    argv,
    {
      config: { type: 'string', short: 'c' },
      'no-matrix': { type: 'boolean' },
      'emulator-profile': { type: 'string' },
      'irc-admin-hostmask': { type: 'string', multiple: true },
    },
    { min: 0, max: 0 },
  );
  if (!values.config) throw new UsageError('-c CONFIG is required');
  const profile = values['emulator-profile'];
  if (profile !== undefined && profile !== 'demo' && profile !== 'fast') throw new UsageError(`--emulator-profile: expected demo or fast, got ${JSON.stringify(profile)}`);
  return {
    configPath: values.config,
    matrix: !values['no-matrix'],
    ...(profile ? { emulatorProfile: profile } : {}),
    ircAdminHostmasks: parseHostmasks(values['irc-admin-hostmask'] ?? []),
  };
}

/** irc.networks.NET.admin_hostmasks ("NAME=MASK") as irc:NET/NAME -> masks. */
export function configHostmasks(config: Config): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [net, n] of Object.entries(config.irc.networks)) {
    for (const item of n.admin_hostmasks) {
      const at = item.indexOf('=');
      (out[`irc:${net}/${item.slice(0, at)}`] ??= []).push(item.slice(at + 1));
    }
  }
  return out;
}

function mergeHostmasks(...sources: ReadonlyArray<Readonly<Record<string, readonly string[]>>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const src of sources) for (const [id, masks] of Object.entries(src)) (out[id] ??= []).push(...masks);
  return out;
}

/** Where signals come from and how the process ends; the command uses the real process. */
export interface Lifecycle {
  readonly signals: SignalSource;
  /** Called once the drain ends (or at once on a second stop signal) with the exit code. */
  readonly exit: (code: number) => void;
}

/** Starts the daemon; resolves EXIT_FAILURE if it could not start, otherwise `undefined` once
 *  running (the lifecycle's exit is called when it stops). */
export async function runDaemon(args: RunArgs, io: CliIo, lifecycle: Lifecycle): Promise<number | undefined> {
  const config = loadConfigForCommand(args.configPath, io);
  if (!config) {
    io.err('run: not started because the config has problems');
    return EXIT_FAILURE;
  }
  const log = Logger.create({ level: config.logging.level, json: config.logging.json, sink: (line) => io.err(line) });
  warnIfInlineSecretsReadable(args.configPath, config, log);
  const matrix = args.matrix && config.homeserver.enabled;
  await addKnownSecrets(log.knownSecrets, config, matrix);
  let started;
  try {
    started = await startDaemon(config, {
      log,
      readiness: new Readiness(log.knownSecrets),
      registry: defaultRegistry,
      metrics,
      matrix,
      emulatorProfile: args.emulatorProfile ?? config.katzenpost.emulator_profile,
      ircAdminHostmasks: mergeHostmasks(configHostmasks(config), args.ircAdminHostmasks),
    });
  } catch (e) {
    log.error('start.failed', { err: e });
    io.err(`run: could not start: ${(e as Error).message}`);
    return EXIT_FAILURE;
  }
  const shutdown = new Shutdown({ log, signals: lifecycle.signals, exit: lifecycle.exit });
  for (const s of started.stops) shutdown.addDrain(s.name, () => s.stop());
  let running: Config = config;
  shutdown.onReload(() => {
    const next = reloadConfig(args.configPath, io);
    warnIfInlineSecretsReadable(args.configPath, next, log);
    const plan = planReload(running, next, LOGGING_RELOADABLE_KEYS);
    const applied = applyLoggingConfig(log, running.logging, next.logging);
    running = { ...running, logging: next.logging };
    return { applied, needsRestart: plan.needsRestart } satisfies ReloadOutcome;
  });
  shutdown.install();
  log.info('started', { summary: started.summary });
  return undefined;
}

/** The config for a SIGHUP; its problems are printed and it throws, so nothing is applied. */
function reloadConfig(path: string, io: CliIo): Config {
  const next = loadConfigForCommand(path, io);
  if (!next) throw new Error(`${path} has problems (printed above)`);
  return next;
}

export const run: Command = {
  name: 'run',
  summary: 'Run the bridge daemon.',
  usage: 'katzenbridge run -c CONFIG [--no-matrix] [--emulator-profile demo|fast] [--irc-admin-hostmask ID=MASK]...',
  help: HELP,
  async run(argv, io) {
    const args = parseRunArgs(argv);
    // The daemon ends the process itself once stopped (Shutdown's exit), so this never resolves
    // while it runs.
    const failed = await runDaemon(args, io, { signals: PROCESS_SIGNALS, exit: (code) => process.exit(code) });
    return failed ?? new Promise<number>(() => undefined);
  },
};
