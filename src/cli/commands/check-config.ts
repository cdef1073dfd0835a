import { EXIT_FAILURE, EXIT_OK, parseFlags, type Command } from '../command.js';
import { loadConfigForCommand } from '../config-file.js';
import { INLINE_SECRETS_FIX, readableInlineSecrets } from '../daemon/config-exposure.js';

export const checkConfig: Command = {
  name: 'check-config',
  summary: 'Check a config file; print every problem with its line and key, or OK.',
  usage: 'katzenbridge check-config FILE',
  help: [
    'Reads FILE as the daemon would, including secret files (*_file) and KATZENBRIDGE_* environment',
    'variables, and checks every key against the schema (see config.sample.yaml).',
    'Prints "FILE:LINE: KEY: what to do" for each problem and exits 1, or prints OK and exits 0.',
    'Warns (still OK) when the file holds secrets inline and others may read it.',
  ].join('\n'),
  async run(argv, io) {
    const { positionals } = parseFlags(argv, {}, { min: 1, max: 1 });
    const file = positionals[0]!;
    const config = loadConfigForCommand(file, io);
    if (!config) return EXIT_FAILURE;
    const exposed = readableInlineSecrets(file, config);
    if (exposed) io.err(`${file}: warning: mode ${exposed.mode} lets others read the inline secret${exposed.keys.length === 1 ? '' : 's'} ${exposed.keys.join(', ')}; ${INLINE_SECRETS_FIX}`);
    io.out('OK');
    return EXIT_OK;
  },
};
