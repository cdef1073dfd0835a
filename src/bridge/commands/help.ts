import { ok, refuse, usage, type Command } from './command.js';

export const help: Command = {
  name: 'help',
  args: [{ name: 'command', optional: true }],
  help: 'List the commands, or explain one.',
  requiresPortal: false,
  public: true,
  async run({ args, services: s }) {
    const all = s.commandList();
    const want = args['command']?.toLowerCase();
    if (want) {
      const c = all.find((x) => x.name === want);
      return c ? ok(`\`${usage(c)}\`: ${c.help}`) : refuse(`There is no command \`${want.slice(0, 40)}\`. Type \`help\` for the list.`);
    }
    return ok(['Commands (admins only, except help):', ...all.map((c) => `  ${usage(c)} - ${c.help}`)].join('\n'));
  },
};
