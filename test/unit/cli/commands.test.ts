import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../../../src/cli/command.js';
import { runCli } from '../../../src/cli/dispatcher.js';
import { renderSampleRegistration } from '../../../src/cli/registration.js';
import { repoPath } from '../../support/paths.js';
import { recordingIo } from './support.js';

const VALID = 'homeserver:\n  url: http://127.0.0.1:8008\n  domain: chat.example.org\n  appservice:\n    port: 29400\n';

interface Registration {
  id: string;
  url: string;
  as_token: string;
  hs_token: string;
  sender_localpart: string;
  namespaces: { users: { exclusive: boolean; regex: string }[]; aliases: { exclusive: boolean; regex: string }[] };
}

describe('cli: commands', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kb-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  describe('check-config', () => {
    it('prints OK and exits 0 for a valid file', async () => {
      const io = recordingIo();
      assert.equal(await runCli(['check-config', file('c.yaml', VALID)], io), EXIT_OK);
      assert.equal(io.stdout, 'OK\n');
      assert.equal(io.stderr, '');
    });

    it('prints every problem as FILE:LINE: KEY: fix and exits 1', async () => {
      const path = file('c.yaml', 'homeserver:\n  url: nope\n  colour: red\nlogging:\n  json: maybe\n');
      const io = recordingIo();
      assert.equal(await runCli(['check-config', path], io), EXIT_FAILURE);
      const lines = io.stderr.trim().split('\n');
      assert.deepEqual(lines.slice(0, -1).map((l) => l.slice(path.length + 1).split(':').slice(0, 2).join(':')), [
        '1: homeserver.domain',
        '2: homeserver.url',
        '3: homeserver.colour',
        '5: logging.json',
      ]);
      assert.match(lines.at(-1)!, /4 problems; see config\.sample\.yaml/);
      assert.equal(io.stdout, '');
    });

    it('reads secrets from the environment it is given', async () => {
      const path = file('c.yaml', `${VALID}irc:\n  networks:\n    oftc:\n      host: irc.oftc.net\n      sasl: true\n      account: kb\n`);
      assert.equal(await runCli(['check-config', path], recordingIo()), EXIT_FAILURE);
      assert.equal(await runCli(['check-config', path], recordingIo({ KATZENBRIDGE_IRC_OFTC_PASSWORD: 'pw' })), EXIT_OK);
    });

    it('warns, still OK, about an inline secret in a file others may read, naming the key and never the value', async () => {
      const secret = 'q'.repeat(40);
      const path = file('c.yaml', `${VALID}media:\n  link_key: ${secret}\n`);
      chmodSync(path, 0o644);
      const io = recordingIo();
      assert.equal(await runCli(['check-config', path], io), EXIT_OK);
      assert.equal(io.stdout, 'OK\n');
      assert.match(io.stderr, /warning: mode 0644 lets others read the inline secret media\.link_key; move them to \*_file keys/);
      assert.ok(!io.stderr.includes(secret), 'the value is never printed');
      chmodSync(path, 0o600);
      const quiet = recordingIo();
      assert.equal(await runCli(['check-config', path], quiet), EXIT_OK);
      assert.equal(quiet.stderr, '');
    });

    it('exits 1 for a missing file', async () => {
      const io = recordingIo();
      assert.equal(await runCli(['check-config', join(dir, 'missing.yaml')], io), EXIT_FAILURE);
      assert.match(io.stderr, /cannot read the config file \(ENOENT\)/);
    });
  });

  describe('generate-registration', () => {
    it('writes a 0600 registration with fresh tokens and exclusive namespaces', async () => {
      const config = file('c.yaml', VALID);
      const out = join(dir, 'reg.yaml');
      const io = recordingIo();
      assert.equal(await runCli(['generate-registration', '-c', config, '-u', 'http://bridge.internal:29400', '-f', out], io), EXIT_OK, io.stderr);
      assert.equal(statSync(out).mode & 0o777, 0o600);
      const reg = parse(readFileSync(out, 'utf8')) as Registration;
      assert.equal(reg.id, 'katzenbridge');
      assert.equal(reg.url, 'http://bridge.internal:29400');
      assert.equal(reg.sender_localpart, 'katzenbridge');
      assert.match(reg.as_token, /^[A-Za-z0-9_-]{43}$/);
      assert.match(reg.hs_token, /^[A-Za-z0-9_-]{43}$/);
      assert.notEqual(reg.as_token, reg.hs_token);
      assert.ok(!io.stdout.includes(reg.as_token) && !io.stdout.includes(reg.hs_token), 'tokens must not be printed');
      const [users] = reg.namespaces.users;
      const [aliases] = reg.namespaces.aliases;
      assert.equal(users!.exclusive, true);
      assert.equal(aliases!.exclusive, true);
      const user = new RegExp(`^${users!.regex}$`);
      const alias = new RegExp(`^${aliases!.regex}$`);
      assert.ok(user.test('@kp_3f9a:chat.example.org'));
      assert.ok(!user.test('@alice:chat.example.org'));
      assert.ok(!user.test('@kp_x:chatXexample.org'), 'dots in the domain must be escaped');
      assert.ok(alias.test('#kp_lobby:chat.example.org'));
      assert.ok(!alias.test('#lobby:chat.example.org'));
    });

    it('gives new tokens each time', async () => {
      const config = file('c.yaml', VALID);
      const tokens = new Set<string>();
      for (const name of ['a.yaml', 'b.yaml']) {
        assert.equal(await runCli(['generate-registration', '--config', config, '--file', join(dir, name)], recordingIo()), EXIT_OK);
        const reg = parse(readFileSync(join(dir, name), 'utf8')) as Registration;
        tokens.add(reg.as_token).add(reg.hs_token);
        assert.equal(reg.url, 'http://127.0.0.1:29400', 'the default URL comes from homeserver.appservice');
      }
      assert.equal(tokens.size, 4);
    });

    it('uses the configured prefix and bot localpart', async () => {
      const config = file('c.yaml', `${VALID}    user_prefix: kpb_\n    bot_localpart: kpbot\n`);
      const out = join(dir, 'reg.yaml');
      assert.equal(await runCli(['generate-registration', '-c', config, '-f', out], recordingIo()), EXIT_OK);
      const reg = parse(readFileSync(out, 'utf8')) as Registration;
      assert.equal(reg.sender_localpart, 'kpbot');
      assert.equal(reg.namespaces.users[0]!.regex, '@kpb_.*:chat\\.example\\.org');
    });

    it('does not overwrite an existing file without --force', async () => {
      const config = file('c.yaml', VALID);
      const out = file('reg.yaml', 'keep me');
      chmodSync(out, 0o644);
      const io = recordingIo();
      assert.equal(await runCli(['generate-registration', '-c', config, '-f', out], io), EXIT_FAILURE);
      assert.match(io.stderr, /exists; pass --force/);
      assert.equal(readFileSync(out, 'utf8'), 'keep me');
      assert.equal(await runCli(['generate-registration', '-c', config, '-f', out, '--force'], recordingIo()), EXIT_OK);
      assert.match(readFileSync(out, 'utf8'), /as_token:/);
      assert.equal(statSync(out).mode & 0o777, 0o600, 'a replaced registration is made private too');
    });

    it('refuses an invalid config (exit 1, problems printed, no file written)', async () => {
      const config = file('c.yaml', 'homeserver:\n  url: http://x\n');
      const out = join(dir, 'reg.yaml');
      const io = recordingIo();
      assert.equal(await runCli(['generate-registration', '-c', config, '-f', out], io), EXIT_FAILURE);
      assert.match(io.stderr, /homeserver\.domain/);
      assert.equal(existsSync(out), false);
    });

    it('refuses a URL that is not http(s) as a usage error', async () => {
      const config = file('c.yaml', VALID);
      const io = recordingIo();
      assert.equal(await runCli(['generate-registration', '-c', config, '-u', 'bridge:29400', '-f', join(dir, 'r.yaml')], io), EXIT_USAGE);
      assert.match(io.stderr, /--url must be an http\(s\) URL/);
    });
  });

  it('the committed registration.yaml is the generated sample (run `npm run config:sample`)', () => {
    assert.ok(readFileSync(repoPath('registration.yaml'), 'utf8') === renderSampleRegistration(), 'registration.yaml differs: run npm run config:sample');
    const reg = parse(renderSampleRegistration()) as Registration;
    assert.match(reg.as_token, /^CHANGE_ME/);
  });
});
