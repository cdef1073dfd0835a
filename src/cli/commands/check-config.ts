import { EXIT_FAILURE, EXIT_OK, parseFlags, type Command } from '../command.js';
import { loadConfigForCommand } from '../config-file.js';

export const checkConfig: Command = {
  name: 'check-config',
  summary: 'Check a config file; print every problem with its line and key, or OK.',
  usage: 'katzenbridge check-config FILE',
  help: [
    'Reads FILE as the daemon would, including secret files (*_file) and KATZENBRIDGE_* environment',
    'variables, and checks every key against the schema (see config.sample.yaml).',
    'Prints "FILE:LINE: KEY: what to do" for each problem and exits 1, or prints OK and exits 0.',
  ].join('\n'),
  async run(argv, io) {
    const { positionals } = parseFlags(argv, {}, { min: 1, max: 1 });
    const file = positionals[0]!;
    if (!loadConfigForCommand(file, io)) return EXIT_FAILURE;
    io.out('OK');
    return EXIT_OK;
  },
};
