import { strict as assert } from 'node:assert';
import { ThinClient } from '../../src/katzenpost/client/index.js';
import { lambdaPOf } from '../../src/katzenpost/protocol/index.js';
import { UNPACED_LAMBDA_P } from '../../src/katzenpost/emulator/pki.js';
import { readRateFor } from '../../src/groupchat/index.js';
import { startEmulator } from '../support/emulator-fixture.js';

// The emulator's PKI document states its own send rate as LambdaP (thin-client §1.7), so a
// client that paces itself by LambdaP (the bridge's read scheduler) sees what the emulator does.

describe('emulator PKI document: LambdaP is the emulator’s send rate', () => {
  for (const [sendRatePerSecond, expected] of [
    [2, 0.002],
    [0, UNPACED_LAMBDA_P],
  ] as const) {
    it(`send rate ${sendRatePerSecond}/s: LambdaP ${expected}/ms, and the bridge reads at ${readRateFor(expected, 20)}/s`, async () => {
      const emu = await startEmulator({ sendRatePerSecond });
      const c = new ThinClient({ address: emu.address });
      try {
        await c.connect();
        assert.ok(c.pkiDocument);
        assert.equal(lambdaPOf(c.pkiDocument), expected);
        assert.equal(readRateFor(lambdaPOf(c.pkiDocument), 20), sendRatePerSecond ? 0.5 : 20);
      } finally {
        await c.close();
        await emu.stop();
      }
    });
  }

  it('lambdaPOf ignores a missing or malformed LambdaP', () => {
    const doc = (raw: Record<string, unknown>) => ({ Epoch: 1n, raw });
    assert.equal(lambdaPOf(doc({})), undefined);
    assert.equal(lambdaPOf(doc({ LambdaP: '0.001' })), undefined);
    assert.equal(lambdaPOf(doc({ LambdaP: -1 })), undefined);
    assert.equal(lambdaPOf(doc({ LambdaP: 0.001 })), 0.001);
  });
});
