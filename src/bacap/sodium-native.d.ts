// The few libsodium calls BACAP uses (sodium-native ships no type declarations). Each throws
// when libsodium returns -1 (for example a small-order or non-canonical point).
declare module 'sodium-native' {
  const sodium: {
    crypto_scalarmult_ed25519_base_noclamp(q: Uint8Array, n: Uint8Array): void;
    crypto_scalarmult_ed25519_noclamp(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  };
  export default sodium;
}
