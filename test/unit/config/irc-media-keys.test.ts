import { strict as assert } from 'node:assert';
import { checkConfigText, loadConfigText, type ConfigEnvironment, type ConfigError } from '../../../src/config/index.js';

// The keys that let `katzenbridge run -c FILE` run an IRC bridge from the config alone: channel
// mappings, admin hostmasks, the media endpoint, homeserver.enabled and federate_rooms, the
// emulator profile, confirm_delivery; their defaults, their errors and the combinations between them.

const HS = 'homeserver:\n  url: https://matrix.example.org\n  domain: example.org\n';
const NET = 'irc:\n  networks:\n    libera:\n      host: irc.libera.chat\n';
const env: ConfigEnvironment = { env: {}, readFile: () => { throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' }); } };

function problems(text: string): ConfigError[] {
  const r = checkConfigText(text, env);
  assert.equal(r.config, undefined, 'expected the config to be refused');
  return [...r.problems];
}
const summary = (ps: readonly ConfigError[]) => ps.map((p) => [p.code, p.keyPath]);

describe('config: keys for an IRC bridge from the config alone', () => {
  it('defaults: no channels or hostmasks, links not fetched, delivery confirmed, Matrix on, rooms not federated, demo emulator, no media links', () => {
    const c = loadConfigText(HS + NET, 'test', env);
    const n = c.irc.networks['libera']!;
    assert.deepEqual([n.channels, n.admin_hostmasks, n.fetch_links, n.confirm_delivery], [[], [], false, true]);
    assert.deepEqual([c.homeserver.enabled, c.homeserver.federate_rooms, c.katzenpost.emulator_profile], [true, false, 'demo']);
    assert.deepEqual([c.media.public_url, c.media.listen, c.media.link_ttl_seconds, c.media.max_file_bytes], [undefined, { host: '127.0.0.1', port: 29342 }, 86_400, 1_048_576]);
  });

  it('reads every key as written', () => {
    const c = loadConfigText(
      `homeserver:\n  enabled: false\n  federate_rooms: true\n  url: https://m.example.org\n  domain: example.org\n` +
        `katzenpost:\n  emulator_profile: fast\nmedia:\n  listen: "[::1]:8099"\n  public_url: https://bridge.example.org/media\n  link_ttl_seconds: 600\n  max_file_bytes: 0\n` +
        `${NET}      channels: ["#a=g1", "&b=g2"]\n      confirm_delivery: false\n`,
      'test',
      env,
    );
    assert.deepEqual([c.homeserver.enabled, c.homeserver.federate_rooms, c.katzenpost.emulator_profile], [false, true, 'fast']);
    assert.deepEqual([c.media.listen, c.media.public_url, c.media.link_ttl_seconds, c.media.max_file_bytes], [{ host: '::1', port: 8099 }, 'https://bridge.example.org/media', 600, 0]);
    assert.deepEqual([c.irc.networks['libera']!.channels, c.irc.networks['libera']!.confirm_delivery], [['#a=g1', '&b=g2'], false]);
  });

  it('wrong types and values are named by key path, with the fix', () => {
    const ps = problems(
      `homeserver:\n  enabled: "no"\n  federate_rooms: 1\n  url: https://m.example.org\n  domain: example.org\n` +
        `media:\n  listen: "8099"\n  public_url: ftp://x\n  link_ttl_seconds: 5\n  max_file_bytes: -1\n${NET}      confirm_delivery: sometimes\n`,
    );
    assert.deepEqual(summary(ps).map(([, k]) => k).sort(), [
      'homeserver.enabled',
      'homeserver.federate_rooms',
      'irc.networks.libera.confirm_delivery',
      'media.link_ttl_seconds',
      'media.listen',
      'media.max_file_bytes',
      'media.public_url',
    ]);
    const byKey = new Map(ps.map((p) => [p.keyPath, p.whatToDo]));
    assert.match(byKey.get('homeserver.enabled')!, /true or false/);
    assert.match(byKey.get('media.listen')!, /host:port/);
    assert.match(byKey.get('media.link_ttl_seconds')!, /from 60 to/);
  });

  it('an admin hostmask must name an admin in bridge.admins: a hostmask never makes someone an admin', () => {
    const text = (admins: string) => `${HS}bridge:\n  admins: [${admins}]\n${NET}      admin_hostmasks:\n        - "op=op!*@10.0.0.1"\n        - "alice=alice!*@*"\n`;
    const ps = problems(text('"irc:libera/alice", "@op:example.org"'));
    assert.deepEqual(summary(ps), [['bad_combination', 'irc.networks.libera.admin_hostmasks[0]']]);
    assert.match(ps[0]!.whatToDo, /add "irc:libera\/op" to bridge\.admins/);
    assert.equal(ps[0]!.line, 11);
    assert.ok(checkConfigText(text('"irc:libera/alice", "irc:libera/op"'), env).config);
  });

  it('a channel or a group mapped twice on one network is refused, channels compared as IRC does (case, [] vs {})', () => {
    const ps = problems(`${HS}${NET}      channels:\n        - "#Chat[1]=g1"\n        - "#chat{1}=g2"\n        - "#other=g1"\n`);
    assert.deepEqual(summary(ps), [
      ['bad_combination', 'irc.networks.libera.channels[1]'],
      ['bad_combination', 'irc.networks.libera.channels[2]'],
    ]);
    assert.match(ps[0]!.whatToDo, /channel is already mapped in irc\.networks\.libera\.channels\[0\]/);
    assert.match(ps[1]!.whatToDo, /group is already mapped/);
    // The same group on two networks is fine: one room per frontend.
    assert.ok(checkConfigText(`${HS}${NET}      channels: ["#a=g1"]\n    oftc:\n      host: irc.oftc.net\n      channels: ["#a=g1"]\n`, env).config);
  });

  it('media.listen may not share a port with metrics or the appservice, but only when the media endpoint runs', () => {
    const media = 'media:\n  listen: 127.0.0.1:29341\n  public_url: https://b.example.org/media\n';
    const ps = problems(HS + media + NET);
    assert.deepEqual(summary(ps), [['bad_combination', 'media.listen']]);
    assert.match(ps[0]!.whatToDo, /port 29341 is already metrics\.listen/);
    assert.ok(checkConfigText(HS + media, env).config, 'no IRC network: no media endpoint');
    assert.ok(checkConfigText(HS + 'media:\n  listen: 127.0.0.1:29341\n' + NET, env).config, 'no public_url: no media endpoint');
    assert.ok(checkConfigText(HS + media + NET + 'metrics:\n  enabled: false\n', env).config);
  });

  it('media.link_key: from the environment, a file or inline; under 32 characters refused at its key; unset by default', () => {
    const key = 'k'.repeat(40);
    assert.equal(loadConfigText(HS, 'test', env).media.link_key, undefined);
    const files: ConfigEnvironment = { env: {}, readFile: (p) => (p === '/k' ? `${key}\n` : 'x') };
    assert.equal(loadConfigText(`${HS}media:\n  link_key_file: /k\n`, 'test', files).media.link_key?.reveal(), key);
    const fromEnv = loadConfigText(`${HS}media:\n  link_key_file: /k\n`, 'test', { ...files, env: { KATZENBRIDGE_MEDIA_LINK_KEY: 'e'.repeat(32) } });
    assert.equal(fromEnv.media.link_key?.reveal(), 'e'.repeat(32));
    const ps = problems(`${HS}media:\n  link_key: short-key\n`);
    assert.deepEqual([...summary(ps), ps[0]!.line], [['bad_combination', 'media.link_key'], 5]);
    assert.match(ps[0]!.whatToDo, /at least 32 characters/);
    assert.doesNotMatch(String(ps[0]), /short-key/, 'the error never shows the key');
  });

  it('the appservice port is free for others when homeserver.enabled is false', () => {
    const clash = 'metrics:\n  listen: 127.0.0.1:9000\n';
    const hs = (enabled: boolean) => `homeserver:\n  enabled: ${enabled}\n  url: https://m.example.org\n  domain: example.org\n  appservice:\n    port: 9000\n`;
    assert.deepEqual(summary(problems(hs(true) + clash)), [['bad_combination', 'metrics.listen']]);
    assert.ok(checkConfigText(hs(false) + clash, env).config);
  });
});
