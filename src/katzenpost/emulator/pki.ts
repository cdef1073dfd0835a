// The PKI document the emulator publishes (thin-client §1.5): PascalCase keys, node descriptors
// as CBOR byte strings, one courier service so that get_service("courier") works in the official
// clients, and storage replicas so that encrypt_* has the ≥ 3 it needs (§3.5).
import { encode as cborEncode } from 'cbor-x';
import { blake2b256 } from './envelope.js';

export const COURIER_ENDPOINT = 'courier';
/** The docker testnet's echo service, for the legacy send_message API (§2.9). */
export const ECHO_ENDPOINT = 'echo';

export interface Courier {
  readonly identityKey: Uint8Array;
  /** BLAKE2b-256 of the identity key: courier_identity_hash in replies. */
  readonly identityHash: Uint8Array;
  readonly queueId: Uint8Array;
}

export function courierFrom(identityKey: Uint8Array): Courier {
  return { identityKey, identityHash: blake2b256(identityKey), queueId: new TextEncoder().encode(COURIER_ENDPOINT) };
}

const buf = (b: Uint8Array): Buffer => Buffer.from(b);

function descriptor(name: string, identityKey: Uint8Array, epoch: number, extra: Record<string, unknown>): Buffer {
  return cborEncode({
    Name: name,
    Epoch: epoch,
    IdentityKey: buf(identityKey),
    LinkKey: buf(blake2b256(identityKey)),
    MixKeys: {},
    Addresses: { tcp: [`tcp://127.0.0.1:0`] },
    IsGatewayNode: false,
    IsServiceNode: false,
    LoadWeight: 0,
    Version: 'v2',
    ...extra,
  });
}

/** LambdaP (per ms) of an emulator that does not pace sends: a rate no client will reach. */
export const UNPACED_LAMBDA_P = 1;

/** The document for one PKI epoch, stripped of signatures as in new_pki_document_event.
 *  LambdaP is the emulator's own send rate, so clients that pace themselves by it see the truth. */
export function pkiDocument(epoch: number, courier: Courier, replicaCount: number, sphinxGeometryHash: Uint8Array, sendRatePerSecond = 1): Uint8Array {
  const replicas = Array.from({ length: replicaCount }, (_, i) =>
    descriptor(`replica${i + 1}`, blake2b256(new TextEncoder().encode(`emulator replica ${i + 1}`)), epoch, { ReplicaID: i }),
  );
  const doc = {
    Epoch: epoch,
    GenesisEpoch: epoch,
    Mu: 0.005,
    MuMaxDelay: 2000,
    LambdaP: sendRatePerSecond > 0 ? sendRatePerSecond / 1000 : UNPACED_LAMBDA_P,
    LambdaPMaxDelay: 2000,
    LambdaL: 0.0005,
    LambdaLMaxDelay: 2000,
    LambdaD: 0.0005,
    LambdaDMaxDelay: 2000,
    LambdaM: 0.0005,
    LambdaG: 0.0,
    LambdaGMaxDelay: 2000,
    LambdaR: 0.0,
    LambdaRMaxDelay: 2000,
    Topology: [[], [], []],
    GatewayNodes: [],
    ServiceNodes: [
      descriptor('courier1', courier.identityKey, epoch, { IsServiceNode: true, Kaetzchen: { [COURIER_ENDPOINT]: { endpoint: COURIER_ENDPOINT }, [ECHO_ENDPOINT]: { endpoint: ECHO_ENDPOINT } } }),
    ],
    StorageReplicas: replicas,
    ConfiguredReplicaIDs: replicas.map((_, i) => i),
    SharedRandomCommit: {},
    SharedRandomReveal: {},
    SharedRandomValue: buf(new Uint8Array(32)),
    PriorSharedRandom: [],
    SphinxGeometryHash: buf(sphinxGeometryHash),
    Version: 'v2',
    PKISignatureScheme: 'Ed25519',
  };
  return new Uint8Array(cborEncode(doc));
}

/** get_pki_document's payload keeps the signatures (§2.8); the emulator's authority signs nothing. */
export function signedPkiDocument(doc: Uint8Array): Uint8Array {
  return new Uint8Array(cborEncode({ Version: 0, Type: 'pki document', Certified: buf(doc), Signatures: {} }));
}
