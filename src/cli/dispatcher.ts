// Picks the command named by the first argument and runs it. Handles what every command shares:
// `--help` / `-h`, the command list, and exit code 2 for an unknown command or flag.
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type CliIo, type Command } from './command.js';
import { COMMANDS } from './commands/index.js';

const PROGRAM = 'katzenbridge';

export function overview(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `Usage: ${PROGRAM} COMMAND [ARGS...]`,
    '',
    'Bridges Katzenpost group chats to Matrix rooms and IRC channels.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `Run "${PROGRAM} COMMAND --help" for a command's flags.`,
  ].join('\n');
}

export function commandHelp(c: Command): string {
  return `Usage: ${c.usage}\n\n${c.summary}\n\n${c.help}`;
}

export async function runCli(argv: readonly string[], io: CliIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(overview(commands));
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const c = topic === undefined ? undefined : commands.find((x) => x.name === topic);
    if (topic !== undefined && !c) return unknownCommand(topic, io, commands);
    io.out(c ? commandHelp(c) : overview(commands));
    return EXIT_OK;
  }
  if (name === '--version') return runCli(['version'], io, commands);
  const command = commands.find((c) => c.name === name);
  if (!command) return unknownCommand(name, io, commands);
  // `--` ends the flags, so a file named --help can still be passed after it.
  const flags = rest.indexOf('--') === -1 ? rest : rest.slice(0, rest.indexOf('--'));
  if (flags.includes('--help') || flags.includes('-h')) {
    io.out(commandHelp(command));
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${PROGRAM} ${command.name}: ${e.message}\nUsage: ${command.usage}\nRun "${PROGRAM} ${command.name} --help" for details.`);
      return EXIT_USAGE;
    }
    io.err(`${PROGRAM} ${command.name}: ${(e as Error).message ?? String(e)}`);
    return EXIT_FAILURE;
  }
}

function unknownCommand(name: string, io: CliIo, commands: readonly Command[]): number {
  const kind = name.startsWith('-') ? 'flag' : 'command';
  io.err(`${PROGRAM}: unknown ${kind} ${JSON.stringify(name)}; commands: ${commands.map((c) => c.name).join(', ')}\nRun "${PROGRAM} --help" for details.`);
  return EXIT_USAGE;
}
