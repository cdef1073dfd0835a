'use strict';
// katzenbridge does not bridge end-to-end encrypted rooms (it refuses them with a notice), so the
// native crypto binding is replaced by this stub through npm "overrides". Loading it is harmless;
// touching any export throws an error that says why, instead of a missing-native-library crash.
const MESSAGE =
  'katzenbridge: Matrix end-to-end encryption is not supported; ' +
  '@matrix-org/matrix-sdk-crypto-nodejs is replaced by a stub (see stubs/matrix-sdk-crypto-nodejs).';

class EncryptionNotSupportedError extends Error {
  constructor(what) {
    super(`${MESSAGE} Attempted to use: ${String(what)}`);
    this.name = 'EncryptionNotSupportedError';
    this.code = 'KB_E2EE_UNSUPPORTED';
  }
}

module.exports = new Proxy(
  { EncryptionNotSupportedError, __katzenbridgeStub: true },
  {
    get(target, prop) {
      if (prop in target || typeof prop === 'symbol' || prop === 'then') return target[prop];
      // Bundlers and module loaders probe for these; answering them keeps the stub loadable.
      if (prop === '__esModule' || prop === 'default') return undefined;
      // Anything else is a class or function of the real binding: hand back something that
      // throws the clear error when constructed or called.
      return new Proxy(function () {}, {
        construct() { throw new EncryptionNotSupportedError(prop); },
        apply() { throw new EncryptionNotSupportedError(prop); },
        get(_t, inner) {
          if (inner === 'prototype') return {};
          return new Proxy(function () {}, {
            construct() { throw new EncryptionNotSupportedError(`${String(prop)}.${String(inner)}`); },
            apply() { throw new EncryptionNotSupportedError(`${String(prop)}.${String(inner)}`); },
          });
        },
      });
    },
  },
);
