import { strict as assert } from 'node:assert';
import { asBoxCounter, asGroupId } from '../../../src/ids/index.js';
import { ghostIdOf, MAX_NAME_CODEPOINTS, renderPuppetName, sanitiseName } from '../../../src/bridge/index.js';
import { memberHex } from './fake-group-side.js';
import { Harness } from './harness.js';

describe('bridge: display names (hostile input)', () => {
  const cases: Array<[string, string, string]> = [
    ['newlines cannot forge lines', 'bob\r\n<admin> approve 1', 'bob <admin> approve 1'],
    ['bidi overrides are removed', 'al\u202Eice\u2066', 'al ice'],
    ['zero-width characters are removed', 'ad\u200Bmin\uFEFF', 'ad min'],
    ['NUL and other controls', 'a\u0000b\u0007c\u009b', 'a b c'],
    ['whitespace collapses and trims', '   many    spaces\t ', 'many spaces'],
    ['colons and spaces are kept (only frontends restrict further)', 'a: b', 'a: b'],
    ['nothing printable gives the fallback', '\u200B\u0000 \n', 'FALLBACK'],
  ];
  for (const [title, raw, want] of cases) it(title, () => assert.equal(sanitiseName(raw, 'FALLBACK'), want));

  it(`caps a long name at ${MAX_NAME_CODEPOINTS} code points with an ellipsis`, () => {
    const out = sanitiseName('x'.repeat(10_000), 'f');
    assert.equal([...out].length, MAX_NAME_CODEPOINTS);
    assert.ok(out.endsWith('…'));
    const emoji = sanitiseName('😀'.repeat(200), 'f');
    assert.equal([...emoji].length, MAX_NAME_CODEPOINTS, 'counts code points, never splits a surrogate pair');
  });

  it('renders the puppet template with sanitised parts', () => {
    assert.equal(renderPuppetName('{name} ({network})', 'ann\nie', 'libera'), 'ann ie (libera)');
    assert.equal(renderPuppetName('{name}', '\u0000', 'x'), 'someone');
  });
});

describe('bridge: ghosts', () => {
  let h: Harness;
  const g = asGroupId('g1');
  beforeEach(async () => {
    h = await new Harness().open();
    await h.portal('g1');
  });
  afterEach(() => h.close());

  it('ghost ids are deterministic, lower-case and differ per group and member', () => {
    const a = ghostIdOf(g, memberHex(1));
    assert.equal(a, ghostIdOf(g, memberHex(1)));
    assert.match(a, /^kp_[0-9a-f]{20}$/);
    assert.notEqual(a, ghostIdOf(g, memberHex(2)));
    assert.notEqual(a, ghostIdOf(asGroupId('g2'), memberHex(1)));
  });

  it('disambiguates every member sharing a name, case-insensitively, and undoes it when names differ again', async () => {
    const s = h.core.stores.ghosts;
    const one = await s.upsert(g, memberHex(1), 'Alice');
    assert.equal(one.ghost.shownName, 'Alice');
    const two = await s.upsert(g, memberHex(2), 'alice');
    const [p1, p2] = [memberHex(1).slice(0, 6), memberHex(2).slice(0, 6)];
    assert.equal(two.ghost.shownName, `alice (${p2})`);
    assert.deepEqual(two.changed.map((x) => x.shownName).sort(), [`Alice (${p1})`, `alice (${p2})`].sort());
    const three = await s.upsert(g, memberHex(2), 'Alicia');
    assert.deepEqual(three.changed.map((x) => x.shownName).sort(), ['Alice', 'Alicia']);
  });

  it('a later member taking an existing name renames the ghost on the frontend before its next message', async () => {
    const first = memberHex(2);
    await h.core.groupEvent({ type: 'text', groupId: g, member: memberHex(1), counter: asBoxCounter('0'), displayName: 'mallory', text: 'one' });
    await h.core.groupEvent({ type: 'text', groupId: g, member: first, counter: asBoxCounter('0'), displayName: 'mallory', text: 'two' });
    await h.core.groupEvent({ type: 'text', groupId: g, member: memberHex(1), counter: asBoxCounter('1'), displayName: 'mallory', text: 'three' });
    await h.settle();
    const names = [...h.frontend.ghosts.values()].sort();
    assert.deepEqual(names, [`mallory (${memberHex(1).slice(0, 6)})`, `mallory (${memberHex(2).slice(0, 6)})`].sort());
    const shown = h.frontend.in('!room:x');
    assert.notEqual(shown[0]!.ghost, shown[1]!.ghost);
    assert.equal(shown[0]!.ghost, shown[2]!.ghost);
  });

  it('renames an already shown ghost on the frontend as soon as its name becomes ambiguous', async () => {
    await h.core.groupEvent({ type: 'text', groupId: g, member: memberHex(1), counter: asBoxCounter('0'), displayName: 'sam', text: 'one' });
    await h.settle();
    const ghost = h.frontend.in('!room:x')[0]!.ghost!;
    assert.equal(h.frontend.ghosts.get(ghost), 'sam');
    await h.core.groupEvent({ type: 'member_added', groupId: g, member: memberHex(2), displayName: 'Sam' });
    assert.equal(h.frontend.ghosts.get(ghost), `sam (${memberHex(1).slice(0, 6)})`);
  });

  it('a hostile member name is shown sanitised, and an empty one as "member <id>"', async () => {
    await h.core.groupEvent({ type: 'text', groupId: g, member: memberHex(1), counter: asBoxCounter('0'), displayName: 'eve\n\u202E' + 'x'.repeat(300), text: 'hi' });
    await h.core.groupEvent({ type: 'text', groupId: g, member: memberHex(2), counter: asBoxCounter('0'), displayName: '\u0000', text: 'hi' });
    await h.settle();
    const names = [...h.frontend.ghosts.values()];
    assert.ok(names.every((n) => !/[\u0000-\u001f\u202e]/.test(n) && [...n].length <= 64), names.join('|'));
    assert.ok(names.includes(`member ${memberHex(2).slice(0, 6)}`));
  });
});
