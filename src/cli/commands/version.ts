import { EXIT_OK, parseFlags, type Command } from '../command.js';
import { packageInfo } from '../package-info.js';

export const version: Command = {
  name: 'version',
  summary: 'Print the katzenbridge version and the Node.js runtime.',
  usage: 'katzenbridge version',
  help: 'Prints "katzenbridge VERSION (Node.js VERSION)".',
  async run(argv, io) {
    parseFlags(argv, {}, { min: 0, max: 0 });
    const { name, version: v } = packageInfo();
    io.out(`${name} ${v} (Node.js ${process.versions.node})`);
    return EXIT_OK;
  },
};
