import { strict as assert } from 'node:assert';
import { AdminMatcher, hostmaskMatches } from '../../../src/irc/index.js';

describe('irc admin matching by hostmask and account', () => {
  it('matches ban-style masks with * and ?, case-insensitively (rfc1459)', () => {
    assert.ok(hostmaskMatches('alice!*@*.example.org', 'Alice!al@host.example.org'));
    assert.ok(hostmaskMatches('al?ce!*@*', 'alice!x@y'));
    assert.ok(hostmaskMatches('nick[a]!*@*', 'NICK{A}!u@h'));
    assert.ok(!hostmaskMatches('alice!*@*.example.org', 'alice!al@example.org.evil.net'));
    assert.ok(!hostmaskMatches('alice!*@host', 'alicex!a@host'));
    assert.ok(hostmaskMatches('*', 'anything!a@b'));
  });

  it('is linear enough for a pathological pattern', () => {
    assert.ok(!hostmaskMatches('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000)));
  });

  it('gives the configured identity to a matching hostmask, and none to the same nick elsewhere', () => {
    const m = new AdminMatcher([{ identity: 'irc:test/alice', hostmasks: ['alice!*@127.0.0.1'] }]);
    assert.equal(m.identityOf({ nick: 'alice', ident: 'a', hostname: '127.0.0.1' }), 'irc:test/alice');
    assert.equal(m.identityOf({ nick: 'alice', ident: 'a', hostname: '10.0.0.9' }), undefined);
    assert.equal(m.identityOf({ nick: 'mallory', ident: 'a', hostname: '127.0.0.1' }), undefined);
  });

  it('recognises a services account, whatever the nick', () => {
    const m = AdminMatcher.fromConfig('libera', ['@a:example.org', 'irc:libera/alice', 'irc:other/bob']);
    assert.equal(m.identityOf({ nick: 'zzz', ident: 'a', hostname: 'h', account: 'Alice' }), 'irc:libera/alice');
    assert.equal(m.identityOf({ nick: 'alice', ident: 'a', hostname: 'h' }), undefined, 'a nick alone proves nothing');
    assert.equal(m.identityOf({ nick: 'bob', ident: 'a', hostname: 'h', account: 'bob' }), undefined, 'other network');
  });

  it('refuses malformed rules', () => {
    assert.throws(() => new AdminMatcher([{ identity: '@a:b' }]), RangeError);
    assert.throws(() => new AdminMatcher([{ identity: 'irc:n/a', hostmasks: ['alice'] }]), RangeError);
  });
});
