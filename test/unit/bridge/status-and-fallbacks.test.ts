import { strict as assert } from 'node:assert';
import { DeliveryError, failureOf } from '../../../src/bridge/index.js';
import { editFallback, fileFallback, reactionFallback, replyFallback } from '../../../src/bridge/fallbacks.js';

describe('bridge: message status', () => {
  it('a DeliveryError keeps its verdict: internal cause apart from the user line', () => {
    const f = failureOf(new DeliveryError('frontend_rejected', { retriable: false, userLine: 'the room refused it', detail: 'HTTP 403 M_FORBIDDEN' }), 'frontend_unavailable');
    assert.deepEqual(f, { code: 'frontend_rejected', retriable: false, cause: 'DeliveryError: HTTP 403 M_FORBIDDEN', userLine: 'the room refused it' });
  });

  it('anything else is retriable, with a generic user line and a capped cause', () => {
    const f = failureOf(new Error('x'.repeat(1000)), 'group_unavailable');
    assert.equal(f.retriable, true);
    assert.equal(f.code, 'group_unavailable');
    assert.equal(f.userLine, 'it could not be delivered (temporary problem)');
    assert.ok(f.cause.length <= 302);
    assert.equal(failureOf('plain', 'group_unavailable').cause, 'plain');
  });
});

describe('bridge: capability fallbacks', () => {
  it('edit, reply (known and unknown target), file and reaction read sensibly', () => {
    assert.deepEqual(editFallback({ kind: 'text', text: 'new' }), { kind: 'text', text: '* new (edited)' });
    assert.equal(replyFallback({ kind: 'text', text: 'yes' }, 'ann', 'are you\ncoming?').text, '> ann: are you coming?\nyes');
    assert.equal(replyFallback({ kind: 'text', text: 'yes' }, undefined, undefined).text, '> (in reply to a message not shown here)\nyes');
    assert.equal(fileFallback('ann', 'a\nb.txt', '', 3), 'ann sent a file, a b.txt (unknown type, 3 bytes), which this room cannot show.');
    assert.deepEqual(reactionFallback('🎉', 'x'.repeat(80)), { kind: 'emote', text: `reacted 🎉 to: ${'x'.repeat(49)}…` });
  });
});
