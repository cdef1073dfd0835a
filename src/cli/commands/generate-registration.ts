import { closeSync, constants, fchmodSync, openSync, writeSync } from 'node:fs';
import { EXIT_FAILURE, EXIT_OK, UsageError, parseFlags, type Command } from '../command.js';
import { loadConfigForCommand } from '../config-file.js';
import { newToken, renderRegistration } from '../registration.js';

export const generateRegistration: Command = {
  name: 'generate-registration',
  summary: 'Write the appservice registration file for the homeserver, with fresh tokens.',
  usage: 'katzenbridge generate-registration [-c CONFIG] [-u URL] [-f FILE] [--force]',
  help: [
    'Options:',
    '  -c, --config CONFIG  config file to read the domain, port and prefixes from (default config.yaml)',
    '  -u, --url URL        the bridge URL as the homeserver reaches it',
    '                       (default http://BIND_ADDRESS:PORT from homeserver.appservice)',
    '  -f, --file FILE      where to write the registration (default registration.yaml)',
    '      --force          replace an existing FILE (its tokens stop working)',
    '',
    'The file gets new random as_token and hs_token, claims @PREFIX.*:DOMAIN and #PREFIX.*:DOMAIN',
    'exclusively and names the bot. It is written with mode 0600 because the tokens are secrets.',
    'Add it to the homeserver (Synapse: app_service_config_files) and point',
    'homeserver.appservice.registration at it.',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseFlags(
      argv,
      {
        config: { type: 'string', short: 'c', default: 'config.yaml' },
        url: { type: 'string', short: 'u' },
        file: { type: 'string', short: 'f', default: 'registration.yaml' },
        force: { type: 'boolean', default: false },
      },
      { min: 0, max: 0 },
    );
    const config = loadConfigForCommand(values.config, io);
    if (!config) return EXIT_FAILURE;
    const as = config.homeserver.appservice;
    const url = values.url ?? `http://${as.bind_address.includes(':') ? `[${as.bind_address}]` : as.bind_address}:${as.port}`;
    if (!/^https?:\/\/[^\s/]+/.test(url) || !URL.canParse(url)) throw new UsageError(`--url must be an http(s) URL, not ${JSON.stringify(url)}`);
    const text = renderRegistration({
      url,
      domain: config.homeserver.domain,
      userPrefix: as.user_prefix,
      botLocalpart: as.bot_localpart,
      asToken: newToken(),
      hsToken: newToken(),
    });
    const flags = constants.O_WRONLY | constants.O_CREAT | (values.force ? constants.O_TRUNC : constants.O_EXCL);
    let fd: number;
    try {
      fd = openSync(values.file, flags, 0o600);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      io.err(code === 'EEXIST'
        ? `${values.file} exists; pass --force to replace it (the homeserver must then load the new tokens)`
        : `cannot write ${values.file} (${code ?? 'error'})`);
      return EXIT_FAILURE;
    }
    try {
      // --force keeps the old file's mode; the tokens must not stay readable by others.
      fchmodSync(fd, 0o600);
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    io.out(`wrote ${values.file} for ${url}; add it to the homeserver's appservice registrations and restart it`);
    return EXIT_OK;
  },
};
