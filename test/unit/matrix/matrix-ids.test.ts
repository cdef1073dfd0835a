import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import { renderRegistration } from '../../../src/cli/registration.js';
import { ghostIdOf } from '../../../src/bridge/index.js';
import { asGroupId, asMemberId } from '../../../src/ids/index.js';
import { botUserId, ghostLocalpart, ghostUserId, isBridgeUser, type MatrixNames } from '../../../src/matrix/index.js';

const NAMES: MatrixNames = { domain: 'example.org', userPrefix: 'kp_', botLocalpart: 'katzenbridge' };
const MEMBER = asMemberId('ab'.repeat(32));

describe('matrix ids (ghost users in the exclusive namespace)', () => {
  it('a ghost localpart is kp_<group>_<hash>, lowercase, deterministic, without the member id', () => {
    const g = asGroupId('My.Group_X');
    const lp = ghostLocalpart(NAMES, g, ghostIdOf(g, MEMBER));
    assert.match(lp, /^kp_my\.group-x_[0-9a-f]{20}$/);
    assert.equal(lp, ghostLocalpart(NAMES, g, ghostIdOf(g, MEMBER)));
    assert.ok(!lp.includes(MEMBER.slice(0, 12)));
  });

  it('two groups whose names fold alike still give different ghosts', () => {
    const a = ghostUserId(NAMES, asGroupId('Team'), ghostIdOf(asGroupId('Team'), MEMBER));
    const b = ghostUserId(NAMES, asGroupId('team'), ghostIdOf(asGroupId('team'), MEMBER));
    assert.notEqual(a, b);
  });

  it("ghost user ids match the registration's exclusive users namespace", () => {
    const reg = parse(renderRegistration({ url: 'http://x', domain: 'example.org', userPrefix: 'kp_', botLocalpart: 'katzenbridge', asToken: 'a', hsToken: 'h' })) as {
      namespaces: { users: Array<{ regex: string }> };
    };
    const re = new RegExp(`^${reg.namespaces.users[0]!.regex}$`);
    const g = asGroupId('Friends');
    assert.match(ghostUserId(NAMES, g, ghostIdOf(g, MEMBER)), re);
  });

  it('isBridgeUser is true for ghosts and the bot only', () => {
    assert.ok(isBridgeUser(NAMES, botUserId(NAMES)));
    assert.ok(isBridgeUser(NAMES, '@kp_friends_00:example.org'));
    assert.ok(!isBridgeUser(NAMES, '@alice:example.org'));
    assert.ok(!isBridgeUser(NAMES, '@kp_friends_00:other.org'));
  });
});
