import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { DeliveryError, failureOf, groupSendFailure } from '../../../src/bridge/index.js';
import { pigeonholePort, PigeonholeError } from '../../../src/groupchat/index.js';
import { ThinClientError, type PigeonholeApi } from '../../../src/katzenpost/client/index.js';
import { DaemonError } from '../../../src/katzenpost/protocol/index.js';
import type { ResponseKey } from '../../../src/katzenpost/protocol/index.js';
import { scanForSecrets } from '../../support/secret-scan.js';

// group-failure.ts: which failures of a write to the group are final for the message. Each case
// goes the way it does in the daemon: the thin client rejects with the protocol's DaemonError (or
// its own ThinClientError), the engine's client port turns that into a PigeonholeError, and the
// bridge decides. Final verdicts come from the protocol's code table (thin-client §2.10).

const RESEND: ResponseKey = 'start_resending_encrypted_message_reply';
const ENCRYPT: ResponseKey = 'encrypt_write_reply';

const writeCap = new Uint8Array(randomBytes(168));
const index = new Uint8Array(randomBytes(104));

/** The error the engine sees when the thin client's writeBox rejects with `e`, and the options
 *  the port passed down. */
async function throughPort(e: unknown, strict?: boolean): Promise<{ error: unknown; options: unknown }> {
  let options: unknown;
  const client = {
    maxPlaintextPayloadLength: 1549,
    writeBox: async (_c: Uint8Array, _i: Uint8Array, _p: Uint8Array, o: unknown) => {
      options = o;
      throw e;
    },
  } as unknown as PigeonholeApi;
  const port = pigeonholePort(client);
  const error = await port.writeBox(writeCap, index, new Uint8Array([0x46, 1]), strict === undefined ? undefined : { strict }).then(
    () => assert.fail('the write should fail'),
    (x: unknown) => x,
  );
  return { error, options };
}

const noSecrets = (text: string): void => {
  assert.deepEqual(scanForSecrets(text, [{ label: 'write cap', value: writeCap }, { label: 'box index', value: index }]), [], text);
};

describe('bridge: final and temporary failures of a write to the group (group-failure.ts)', () => {
  const finals: Array<{ name: string; reply: ResponseKey; code: number; line: RegExp }> = [
    { name: 'replica 10 box_already_exists (a strict write found different data)', reply: RESEND, code: 10, line: /^someone else has already written to your Katzenpost stream .*second copy of this bridge.*backup.*tell an admin$/ },
    { name: 'replica 11 tombstone', reply: RESEND, code: 11, line: /has been deleted; please tell an admin$/ },
    { name: 'replica 2 invalid_box_id', reply: RESEND, code: 2, line: /^the Katzenpost network refused it for good/ },
    { name: 'code 3 in a resend reply (invalid signature or bad request, ambiguous)', reply: RESEND, code: 3, line: /^the Katzenpost network refused it for good/ },
    { name: 'replica 5 invalid_payload', reply: RESEND, code: 5, line: /^the Katzenpost network refused it for good/ },
    { name: 'thin 27 payload_too_large from encrypt_write', reply: ENCRYPT, code: 27, line: /^it is too large for a Katzenpost message$/ },
    { name: 'thin 27 payload_too_large from the resend', reply: RESEND, code: 27, line: /^it is too large for a Katzenpost message$/ },
    { name: 'thin 14 invalid write capability', reply: ENCRYPT, code: 14, line: /^the Katzenpost network refused it for good/ },
  ];
  for (const c of finals) {
    it(`final: ${c.name} becomes group_rejected, not retriable, with a plain user line`, async () => {
      const { error } = await throughPort(new DaemonError(c.reply, c.code));
      assert.ok(error instanceof PigeonholeError);
      assert.equal(error.retriable, false);
      const d = groupSendFailure(error);
      assert.ok(d instanceof DeliveryError, String(d));
      assert.equal(d.code, 'group_rejected');
      assert.equal(d.retriable, false);
      assert.match(d.userLine, c.line);
      assert.equal(d.cause, error);
      const f = failureOf(d, 'group_unavailable');
      assert.deepEqual([f.code, f.retriable, f.userLine], ['group_rejected', false, d.userLine]);
      // The log line names the verdict and the code; no daemon detail reaches the room.
      assert.match(f.cause, new RegExp(`\\(code ${c.code}\\)`));
      assert.doesNotMatch(d.userLine, /code|\d{2}|write_cap|index|replica|courier/i);
      noSecrets(`${d.userLine}\n${d.message}\n${f.cause}\n${String(d.stack)}`);
    });
  }

  const temporary: Array<{ name: string; error: unknown }> = [
    { name: 'the daemon went away (ThinClientError closed)', error: new ThinClientError('closed', 'the thin client is closed') },
    { name: 'no daemon to connect to (ThinClientError connect_failed)', error: new ThinClientError('connect_failed', 'could not connect to kpclientd') },
    { name: 'a cancelled request (ThinClientError aborted)', error: new ThinClientError('aborted', 'the request was aborted') },
    { name: 'thin 2 timeout', error: new DaemonError(ENCRYPT, 2) },
    { name: 'thin 4 internal error (no PKI document yet)', error: new DaemonError(ENCRYPT, 4) },
    { name: 'thin 13 propagation error', error: new DaemonError(RESEND, 13) },
    { name: 'thin 32 stale epoch', error: new DaemonError(RESEND, 32) },
    { name: 'replica 6 storage full', error: new DaemonError(RESEND, 6) },
    { name: 'replica 9 replication failed', error: new DaemonError(RESEND, 9) },
  ];
  for (const c of temporary) {
    it(`temporary: ${c.name} stays retriable`, async () => {
      const { error } = await throughPort(c.error);
      assert.ok(error instanceof PigeonholeError);
      assert.equal(error.retriable, true);
      assert.equal(groupSendFailure(error), error, 'passed on unchanged');
      const f = failureOf(groupSendFailure(error), 'group_unavailable');
      assert.deepEqual([f.code, f.retriable], ['group_unavailable', true]);
      noSecrets(`${f.userLine}\n${f.cause}`);
    });
  }

  it('an error that is not the daemon’s (a bug, a store failure) is passed on and retried', () => {
    const e = new RangeError('groupId: no group g');
    assert.equal(groupSendFailure(e), e);
    assert.equal(groupSendFailure('odd'), 'odd');
    assert.equal(failureOf(groupSendFailure(e), 'group_unavailable').retriable, true);
  });

  it('a DeliveryError keeps its own verdict; a final daemon error wrapped by someone else is still found', () => {
    const own = new DeliveryError('not_a_member', { retriable: false, userLine: 'you are not a member of this group' });
    assert.equal(groupSendFailure(own), own);
    const inner = new PigeonholeError('write', 10, 'box already exists with different contents', { kind: 'box_already_exists', retriable: false });
    const d = groupSendFailure(new Error('introduction failed', { cause: inner }));
    assert.ok(d instanceof DeliveryError);
    assert.equal(d.retriable, false);
    assert.match(d.userLine, /someone else has already written/);
  });

  it('the port asks the daemon for the replicas’ verdict only when the write is strict', async () => {
    const fail = new DaemonError(RESEND, 13);
    assert.deepEqual((await throughPort(fail, true)).options, { noIdempotentBoxAlreadyExists: true });
    assert.deepEqual((await throughPort(fail, false)).options, {});
    assert.deepEqual((await throughPort(fail)).options, {});
  });
});
