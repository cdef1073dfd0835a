import { strict as assert } from 'node:assert';
import { inspect } from 'node:util';
import {
  checkConfigFile,
  checkConfigText,
  InvalidConfigError,
  loadConfigText,
  type ConfigEnvironment,
  type ConfigError,
} from '../../../src/config/index.js';

const MINIMAL = 'homeserver:\n  url: https://matrix.example.org\n  domain: example.org\n';

/** An environment with no variables and the given files, so tests never touch the real ones. */
function cenv(files: Record<string, string> = {}, env: Record<string, string> = {}): ConfigEnvironment {
  return {
    env,
    readFile: (path) => {
      if (!(path in files)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return files[path]!;
    },
  };
}

function problems(text: string, e = cenv()): ConfigError[] {
  const r = checkConfigText(text, e);
  assert.equal(r.config, undefined, 'expected the config to be refused');
  return [...r.problems];
}

function only(text: string, e = cenv()): ConfigError {
  const ps = problems(text, e);
  assert.equal(ps.length, 1, `expected one problem, got:\n${ps.map(String).join('\n')}`);
  return ps[0]!;
}

describe('config: loading and defaults', () => {
  it('applies every default to a minimal config', () => {
    const c = loadConfigText(MINIMAL, 'test', cenv());
    assert.equal(c.homeserver.url, 'https://matrix.example.org');
    assert.equal(c.homeserver.appservice.port, 29340);
    assert.equal(c.homeserver.appservice.bind_address, '127.0.0.1');
    assert.equal(c.homeserver.appservice.user_prefix, 'kp_');
    assert.equal(c.homeserver.appservice.as_token, undefined);
    assert.deepEqual(c.bridge.admins, []);
    assert.equal(c.bridge.join_policy, 'approval');
    assert.equal(c.bridge.max_file_bytes, 1_048_576);
    assert.deepEqual(c.katzenpost.daemon, { kind: 'embedded-emulator' });
    assert.equal(c.katzenpost.aead, 'nonce12');
    assert.deepEqual(c.irc.networks, {});
    assert.equal(c.store.path, '/var/lib/katzenbridge/katzenbridge.db');
    assert.equal(c.logging.level, 'info');
    assert.deepEqual(c.metrics.listen, { host: '127.0.0.1', port: 29341 });
    assert.equal(c.media.public_url, undefined);
    assert.equal(c.media.link_ttl_seconds, 86_400);
  });

  it('returns a deeply frozen config', () => {
    const c = loadConfigText(MINIMAL, 'test', cenv());
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.homeserver.appservice) && Object.isFrozen(c.bridge.admins));
    assert.throws(() => {
      (c.homeserver as { url: string }).url = 'x';
    }, TypeError);
  });

  it('reads an IRC network with its nested flood section and defaults', () => {
    const c = loadConfigText(
      `${MINIMAL}irc:\n  networks:\n    libera:\n      host: irc.libera.chat\n      puppet_mode: puppets\n      flood:\n        burst_lines: 8\n`,
      'test',
      cenv(),
    );
    const net = c.irc.networks['libera']!;
    assert.equal(net.host, 'irc.libera.chat');
    assert.equal(net.port, 6697);
    assert.equal(net.tls, true);
    assert.equal(net.puppet_mode, 'puppets');
    assert.deepEqual(net.flood, { burst_lines: 8, interval_ms: 1000 });
  });

  it('parses every form of katzenpost.daemon', () => {
    const daemon = (v: string) => loadConfigText(`${MINIMAL}katzenpost:\n  daemon: "${v}"\n`, 'test', cenv()).katzenpost.daemon;
    assert.deepEqual(daemon('unix:/run/kpclientd/sock'), { kind: 'unix', path: '/run/kpclientd/sock' });
    assert.deepEqual(daemon('/run/kpclientd/sock'), { kind: 'unix', path: '/run/kpclientd/sock' });
    assert.deepEqual(daemon('tcp:127.0.0.1:64331'), { kind: 'tcp', host: '127.0.0.1', port: 64331 });
    assert.deepEqual(daemon('tcp:[::1]:64331'), { kind: 'tcp', host: '::1', port: 64331 });
    for (const bad of ['unix:relative', 'tcp:host', 'tcp:host:70000', 'kpclientd']) {
      const p = only(`${MINIMAL}katzenpost:\n  daemon: "${bad}"\n`);
      assert.equal(p.code, 'bad_value', bad);
      assert.equal(p.keyPath, 'katzenpost.daemon');
      assert.equal(p.line, 5);
    }
  });

  it('treats an empty value as unset (defaults apply)', () => {
    const c = loadConfigText(`${MINIMAL}bridge:\n  admins:\nlogging:\n`, 'test', cenv());
    assert.deepEqual(c.bridge.admins, []);
    assert.equal(c.logging.level, 'info');
  });

  it('throws InvalidConfigError with every problem from loadConfigText', () => {
    assert.throws(
      () => loadConfigText('homeserver: {}\n', 'my.yaml', cenv()),
      (e: unknown) =>
        e instanceof InvalidConfigError &&
        e.code === 'invalid_config' &&
        e.problems.length === 2 &&
        /my\.yaml: 2 problems/.test(e.message) &&
        /homeserver\.url/.test(e.message) &&
        /homeserver\.domain/.test(e.message),
    );
  });

  it('reports an unreadable config file as one problem', () => {
    const r = checkConfigFile('/nope/config.yaml', cenv());
    assert.equal(r.config, undefined);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0]!.code, 'unreadable_file');
    assert.match(r.problems[0]!.whatToDo, /ENOENT/);
  });
});

describe('config: problems name the key path, the line and the fix', () => {
  it('missing required values, at the line of their section', () => {
    const ps = problems('bridge:\n  join_policy: auto\nhomeserver:\n  appservice:\n    port: 9000\n');
    assert.deepEqual(
      ps.map((p) => [p.code, p.keyPath, p.line]),
      [
        ['missing_value', 'homeserver.url', 3],
        ['missing_value', 'homeserver.domain', 3],
      ],
    );
    assert.match(ps[0]!.whatToDo, /set homeserver\.url, e\.g\. url: /);
  });

  it('an empty file is missing the required values', () => {
    const ps = problems('');
    assert.deepEqual(ps.map((p) => p.keyPath), ['homeserver.url', 'homeserver.domain']);
  });

  it('unknown keys, with a suggestion for a near miss and the list of known keys', () => {
    const p = only(`${MINIMAL}  appservice:\n    bind_adress: 0.0.0.0\n`);
    assert.equal(p.code, 'unknown_key');
    assert.equal(p.keyPath, 'homeserver.appservice.bind_adress');
    assert.equal(p.line, 5);
    assert.match(p.whatToDo, /did you mean bind_address\?/);
    assert.match(p.whatToDo, /use one of: port, bind_address,/);
    const top = only(`${MINIMAL}databse:\n  path: x\n`);
    assert.equal(top.keyPath, 'databse');
    assert.equal(top.line, 4);
  });

  it('wrong types: text for a number, yes for a boolean, a list for a section', () => {
    const ps = problems(`${MINIMAL}  appservice:\n    port: "8009"\nlogging:\n  json: yes\nmetrics: [a]\n`);
    assert.deepEqual(
      ps.map((p) => [p.code, p.keyPath, p.line]),
      [
        ['wrong_type', 'homeserver.appservice.port', 5],
        ['wrong_type', 'logging.json', 7],
        ['wrong_type', 'metrics', 8],
      ],
    );
    assert.match(ps[0]!.whatToDo, /expected a whole number, got text "8009"/);
    assert.match(ps[1]!.whatToDo, /expected true or false/);
  });

  it('values out of range or not allowed', () => {
    const ps = problems(`${MINIMAL}  appservice:\n    port: 70000\n    user_prefix: KP\nbridge:\n  join_policy: maybe\n  puppet_display_name: "{nick}"\n`);
    assert.deepEqual(
      ps.map((p) => [p.code, p.keyPath, p.line]),
      [
        ['bad_value', 'homeserver.appservice.port', 5],
        ['bad_value', 'homeserver.appservice.user_prefix', 6],
        ['bad_value', 'bridge.join_policy', 8],
        ['bad_value', 'bridge.puppet_display_name', 9],
      ],
    );
    assert.match(ps[0]!.whatToDo, /from 1 to 65535/);
    assert.match(ps[2]!.whatToDo, /use one of approval \| auto/);
    assert.match(ps[3]!.whatToDo, /\{name\}/);
  });

  it('bad list items name their index and their own line', () => {
    const ps = problems(`${MINIMAL}bridge:\n  admins:\n    - "@alice:example.org"\n    - bob\n    - 7\n`);
    assert.deepEqual(
      ps.map((p) => [p.code, p.keyPath, p.line]),
      [
        ['bad_value', 'bridge.admins[1]', 7],
        ['wrong_type', 'bridge.admins[2]', 8],
      ],
    );
  });

  it('bad map entry names', () => {
    const p = only(`${MINIMAL}irc:\n  networks:\n    "libera chat":\n      host: irc.libera.chat\n`);
    assert.equal(p.keyPath, 'irc.networks.libera chat');
    assert.equal(p.line, 6);
  });

  it('YAML syntax errors and repeated keys, with their line', () => {
    const syntax = problems('homeserver:\n  url: [unclosed\n  domain: example.org\n');
    assert.ok(syntax.length >= 1);
    assert.ok(syntax.every((p) => p.code === 'yaml_syntax' && p.line > 0));
    const dup = only(`${MINIMAL}  domain: other.org\n`);
    assert.equal(dup.code, 'yaml_syntax');
    assert.equal(dup.line, 4);
    assert.match(dup.whatToDo, /unique/);
  });

  it('reports every problem at once, sorted by line', () => {
    const text = [
      'homeserver:', //                       1
      '  url: ftp://example.org', //          2 bad scheme
      '  appservice:', //                     3
      '    port: high', //                    4 wrong type
      '    colour: blue', //                  5 unknown
      'bridge:', //                           6
      '  admins: ["irc:oftc/alice"]', //      7 network not configured
      'irc:', //                              8
      '  networks:', //                       9
      '    libera:', //                       10 host missing
      '      sasl: true', //                  11 no account, no password
      '      tls: on', //                     12 wrong type
      'logging:', //                          13
      '  level: loud', //                     14 not allowed
    ].join('\n');
    const ps = problems(text);
    assert.deepEqual(
      ps.map((p) => `${p.line} ${p.code} ${p.keyPath}`),
      [
        '1 missing_value homeserver.domain',
        '2 bad_value homeserver.url',
        '4 wrong_type homeserver.appservice.port',
        '5 unknown_key homeserver.appservice.colour',
        '7 bad_combination bridge.admins[0]',
        '10 missing_value irc.networks.libera.host',
        '11 bad_combination irc.networks.libera.account',
        '11 bad_combination irc.networks.libera.password',
        '12 wrong_type irc.networks.libera.tls',
        '14 bad_value logging.level',
      ],
    );
  });

  it('formats each problem as FILE:LINE: KEY: fix', () => {
    const p = only(`${MINIMAL}logging:\n  level: loud\n`);
    assert.equal(p.message, 'logging.level (line 5): use one of error | warn | info | debug, not text "loud"');
  });
});

describe('config: combinations', () => {
  const net = (body: string) => `${MINIMAL}irc:\n  networks:\n    libera:\n      host: irc.libera.chat\n${body}`;

  it('sasl needs an account and a password; an account needs sasl', () => {
    const ps = problems(net('      sasl: true\n'));
    assert.deepEqual(ps.map((p) => [p.code, p.keyPath, p.line]), [
      ['bad_combination', 'irc.networks.libera.account', 8],
      ['bad_combination', 'irc.networks.libera.password', 8],
    ]);
    assert.match(ps[1]!.whatToDo, /KATZENBRIDGE_IRC_LIBERA_PASSWORD/);
    const p = only(net('      account: bridge\n'));
    assert.equal(p.keyPath, 'irc.networks.libera.account');
    assert.match(p.whatToDo, /set sasl: true, or remove account/);
    const c = loadConfigText(net('      sasl: true\n      account: bridge\n'), 'test', cenv({}, { KATZENBRIDGE_IRC_LIBERA_PASSWORD: 'pw' }));
    assert.equal(c.irc.networks['libera']!.password?.reveal(), 'pw');
  });

  it('puppets mode needs room for a puppet connection', () => {
    const p = only(net('      puppet_mode: puppets\n      max_connections: 1\n'));
    assert.equal(p.keyPath, 'irc.networks.libera.max_connections');
    assert.equal(p.code, 'bad_combination');
  });

  it('an IRC admin must name a configured network', () => {
    const p = only(`${MINIMAL}bridge:\n  admins:\n    - "@a:example.org"\n    - irc:oftc/alice\n`);
    assert.deepEqual([p.code, p.keyPath, p.line], ['bad_combination', 'bridge.admins[1]', 7]);
    assert.ok(checkConfigText(net(`bridge:\n  admins: ["irc:libera/alice"]\n`), cenv()).config);
  });

  it('IRC channel mappings and admin hostmasks: read as written, bad items named with their index', () => {
    const c = loadConfigText(
      net('      channels:\n        - "#katzenpost=book-club"\n      admin_hostmasks:\n        - alice=alice!*@*.example.org\n      fetch_links: true\nbridge:\n  admins: ["irc:libera/alice"]\n'),
      'test',
      cenv(),
    );
    const n = c.irc.networks['libera']!;
    assert.deepEqual([n.channels, n.admin_hostmasks, n.fetch_links, n.confirm_delivery], [['#katzenpost=book-club'], ['alice=alice!*@*.example.org'], true, true]);
    const ps = problems(net('      channels:\n        - katzenpost=book-club\n        - "#ok=bad group"\n      admin_hostmasks:\n        - alice\n'));
    assert.deepEqual(
      ps.map((p) => [p.code, p.keyPath]),
      [
        ['bad_value', 'irc.networks.libera.channels[0]'],
        ['bad_value', 'irc.networks.libera.channels[1]'],
        ['bad_value', 'irc.networks.libera.admin_hostmasks[0]'],
      ],
    );
    assert.match(ps[0]!.whatToDo, /#CHANNEL=GROUP/);
    assert.match(ps[2]!.whatToDo, /NAME=NICK!USER@HOST/);
  });

  it('homeserver.enabled, federate_rooms, the emulator profile and the media endpoint have private, safe defaults', () => {
    const c = loadConfigText(MINIMAL, 'test', cenv());
    assert.deepEqual([c.homeserver.enabled, c.homeserver.federate_rooms, c.katzenpost.emulator_profile, c.media.listen], [true, false, 'demo', { host: '127.0.0.1', port: 29342 }]);
    const p = only(`${MINIMAL}katzenpost:\n  emulator_profile: slow\n`);
    assert.deepEqual([p.keyPath, p.line], ['katzenpost.emulator_profile', 5]);
    assert.match(only(`${MINIMAL}media:\n  listen: nowhere\n`).whatToDo, /host:port/);
  });

  it('metrics and the appservice cannot share a port', () => {
    const p = only(`${MINIMAL}  appservice:\n    port: 9000\nmetrics:\n  listen: 127.0.0.1:9000\n`);
    assert.deepEqual([p.code, p.keyPath, p.line], ['bad_combination', 'metrics.listen', 7]);
    assert.ok(checkConfigText(`${MINIMAL}  appservice:\n    port: 9000\nmetrics:\n  enabled: false\n  listen: 127.0.0.1:9000\n`, cenv()).config);
  });
});

describe('config: secrets', () => {
  const withToken = (lines: string) => `${MINIMAL}  appservice:\n${lines}`;

  it('come from the YAML, a file or the environment, the environment winning', () => {
    const files = { '/etc/kb/as': 'from-file\n' };
    const inline = loadConfigText(withToken('    as_token: from-yaml\n'), 't', cenv(files)).homeserver.appservice.as_token!;
    assert.equal(inline.reveal(), 'from-yaml');
    assert.deepEqual(inline.source, { kind: 'inline' });
    const file = loadConfigText(withToken('    as_token_file: /etc/kb/as\n'), 't', cenv(files)).homeserver.appservice.as_token!;
    assert.equal(file.reveal(), 'from-file');
    assert.deepEqual(file.source, { kind: 'file', path: '/etc/kb/as' });
    const env = loadConfigText(withToken('    as_token_file: /etc/kb/as\n'), 't', cenv(files, { KATZENBRIDGE_AS_TOKEN: 'from-env' }));
    assert.equal(env.homeserver.appservice.as_token!.reveal(), 'from-env');
    assert.deepEqual(env.homeserver.appservice.as_token!.source, { kind: 'env', variable: 'KATZENBRIDGE_AS_TOKEN' });
    assert.equal(loadConfigText(MINIMAL, 't', cenv({}, { KATZENBRIDGE_HS_TOKEN: 'h' })).homeserver.appservice.hs_token!.reveal(), 'h');
  });

  it('never print their value', () => {
    const c = loadConfigText(withToken('    as_token: s3cr3t-value\n'), 't', cenv());
    const shown = [JSON.stringify(c), inspect(c, { depth: 10 }), `${c.homeserver.appservice.as_token}`, String(c.homeserver.appservice.as_token)];
    for (const s of shown) assert.ok(!s.includes('s3cr3t-value'), s);
  });

  it('refuse both the inline value and the file', () => {
    const p = only(withToken('    as_token: a\n    as_token_file: /etc/kb/as\n'), cenv({ '/etc/kb/as': 'b' }));
    assert.deepEqual([p.code, p.keyPath, p.line], ['bad_combination', 'homeserver.appservice.as_token', 5]);
  });

  it('report an unreadable or empty file without its contents', () => {
    const missing = only(withToken('    hs_token_file: /etc/kb/missing\n'));
    assert.deepEqual([missing.code, missing.keyPath, missing.line], ['unreadable_file', 'homeserver.appservice.hs_token_file', 5]);
    assert.match(missing.whatToDo, /cannot read \/etc\/kb\/missing \(ENOENT\)/);
    const empty = only(withToken('    hs_token_file: /etc/kb/empty\n'), cenv({ '/etc/kb/empty': '\n' }));
    assert.equal(empty.code, 'bad_value');
  });

  it('must be text', () => {
    const p = only(withToken('    as_token: 12345\n'));
    assert.deepEqual([p.code, p.keyPath], ['wrong_type', 'homeserver.appservice.as_token']);
  });
});

describe('config: wrong-input table (our own misuse is a TypeError)', () => {
  const notText: unknown[] = [undefined, null, 42, {}, [], new Uint8Array(1)];
  for (const bad of notText) {
    it(`checkConfigText and loadConfigText refuse ${inspect(bad)} as text`, () => {
      assert.throws(() => checkConfigText(bad as string, cenv()), TypeError);
      assert.throws(() => loadConfigText(bad as string, 'x', cenv()), TypeError);
    });
    it(`checkConfigFile refuses ${inspect(bad)} as a path`, () => {
      assert.throws(() => checkConfigFile(bad as string, cenv()), TypeError);
    });
  }
  it('an environment without env or readFile is refused', () => {
    assert.throws(() => checkConfigText(MINIMAL, { env: {} } as ConfigEnvironment), TypeError);
    assert.throws(() => checkConfigText(MINIMAL, { readFile: () => '' } as unknown as ConfigEnvironment), TypeError);
  });
});
