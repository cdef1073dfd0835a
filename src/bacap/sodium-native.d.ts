// The few libsodium calls BACAP uses (sodium-native ships no type declarations). The Ed25519
// calls throw when libsodium returns -1 (for example a small-order or non-canonical point);
// crypto_sign_verify_detached returns false instead.
declare module 'sodium-native' {
  const sodium: {
    crypto_scalarmult_ed25519_base_noclamp(q: Uint8Array, n: Uint8Array): void;
    crypto_scalarmult_ed25519_noclamp(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
    crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
    crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
    crypto_hash_sha512(out: Uint8Array, input: Uint8Array): void;
    crypto_core_ed25519_scalar_reduce(r: Uint8Array, s: Uint8Array): void;
    crypto_core_ed25519_scalar_add(z: Uint8Array, x: Uint8Array, y: Uint8Array): void;
  };
  export default sodium;
}
