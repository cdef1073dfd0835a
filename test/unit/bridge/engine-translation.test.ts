import { strict as assert } from 'node:assert';
import { toGroupInbound, toOutgoing } from '../../../src/bridge/index.js';
import type { GroupEvent } from '../../../src/groupchat/index.js';
import { bodyOf, decodeGroupChatMessage, encodeGroupChatMessage, MsgType } from '../../../src/groupchat/index.js';
import { asBoxCounter, asMemberId, type GroupId } from '../../../src/ids/index.js';

// The translation between the core's messages and the group chat wire (engine-group-side.ts):
// what a bridged user sends, as katzenqt and other bridges read it, and back.

const author = 'ab'.repeat(32);
const msgId = new Uint8Array(16).fill(5);

function onTheWire(m: ReturnType<typeof toOutgoing>) {
  assert.equal(m.kind, 'text');
  if (m.kind !== 'text') throw new Error('unreachable');
  const bytes = encodeGroupChatMessage({ version: 0, membershipHash: new Uint8Array(32), msgType: MsgType.TEXT, text: m.text, ...(m.bridge ? { bridge: m.bridge } : {}) });
  return decodeGroupChatMessage(bytes).message;
}

const textEvent = (text: string, bodyAt?: number): GroupEvent =>
  ({
    type: 'text',
    groupId: 'g',
    member: author,
    counter: '7',
    displayName: 'alice',
    text,
    seq: 1,
    membership: 'match',
    ...(bodyAt !== undefined ? { bridge: { bodyAt } } : {}),
  }) as unknown as GroupEvent;

describe('bridge ↔ group chat wire translation', () => {
  it('an emote travels as "/me …" text and comes back as an emote', () => {
    const wire = onTheWire(toOutgoing({ kind: 'text', text: 'waves', emote: true, msgId }));
    assert.equal(wire.text, '/me waves');
    assert.deepEqual(wire.bridge?.msgId, msgId);
    const back = toGroupInbound(textEvent('/me waves'));
    assert.deepEqual(back && back.type === 'text' && [back.text, back.emote], ['waves', true]);
    // A bare "/me " is just text, not an empty emote.
    const bare = toGroupInbound(textEvent('/me '));
    assert.deepEqual(bare && bare.type === 'text' && [bare.text, bare.emote], ['/me ', undefined]);
  });

  it('an edit keeps a readable "* " fallback and names its target; the body comes back without the fallback', () => {
    const ref = { member: asMemberId(author), counter: asBoxCounter('41') };
    const wire = onTheWire(toOutgoing({ kind: 'text', text: 'fixed', msgId, editOf: ref, replyTo: { ...ref, counter: asBoxCounter('40') } }));
    assert.equal(wire.text, '* fixed');
    assert.equal(bodyOf(wire), 'fixed');
    assert.deepEqual(wire.bridge?.editOf, { author: new Uint8Array(Buffer.from(author, 'hex')), boxCounter: 41n });
    assert.deepEqual(wire.bridge?.replyTo, { author: new Uint8Array(Buffer.from(author, 'hex')), boxCounter: 40n });
    const back = toGroupInbound(textEvent(wire.text!, wire.bridge?.bodyAt));
    assert.equal(back?.type === 'text' && back.text, 'fixed');
  });

  it('a file keeps its bytes and type; a hostile file name is made safe (wire §1.6)', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const out = toOutgoing({ kind: 'file', basename: '../../etc/passwd', filetype: 'text/plain', bytes, msgId });
    assert.deepEqual(out, { kind: 'file', file: { payload: bytes, filetype: 'text/plain', basename: '_.._etc_passwd' } });
  });

  it('ignores engine events the core does not act on', () => {
    assert.equal(toGroupInbound({ type: 'sent', groupId: 'g' as unknown as GroupId, counter: '1', boxes: 1 } as unknown as GroupEvent), undefined);
  });
});
