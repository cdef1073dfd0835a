import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';

// package.json "overrides" swaps the native Matrix crypto binding (its install downloads from
// GitHub) for stubs/matrix-sdk-crypto-nodejs. These tests pin both halves of that promise.
const require = createRequire(import.meta.url);

describe('matrix-sdk-crypto-nodejs stub', () => {
  it('lets matrix-appservice-bridge load', () => {
    const bridge = require('matrix-appservice-bridge') as Record<string, unknown>;
    assert.equal(typeof bridge['Bridge'], 'function');
    assert.equal(typeof bridge['AppServiceRegistration'], 'function');
  });

  it('is the in-repo stub, not the native binding', () => {
    const crypto = require('@matrix-org/matrix-sdk-crypto-nodejs') as Record<string, unknown>;
    assert.equal(crypto['__katzenbridgeStub'], true);
  });

  it('throws a clear, coded error when encryption is used', () => {
    const crypto = require('@matrix-org/matrix-sdk-crypto-nodejs') as Record<string, new () => unknown>;
    const OlmMachine = crypto['OlmMachine']!;
    assert.throws(() => new OlmMachine(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'KB_E2EE_UNSUPPORTED');
      assert.match(err.message, /end-to-end encryption is not supported/);
      assert.match(err.message, /OlmMachine/);
      return true;
    });
  });
});
