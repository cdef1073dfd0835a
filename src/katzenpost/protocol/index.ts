// Public surface of the thin-client protocol (thin-client spec §1, §2): framing, message shapes,
// checked decoding for both ends of the socket, error codes. No I/O here.
export * from './constants.js';
export { ProtocolError, type ProtocolErrorCode } from './protocol-error.js';
export {
  DaemonError, type DaemonErrorKind, type ErrorNamespace, ReplicaErrorCode, ThinErrorCode,
  describeErrorCode, describeReplicaCode, isExpectedOutcome,
} from './error-codes.js';
export { FrameDecoder, decodeCbor, encodeCbor, encodeFrame, frame } from './frame.js';
export type * from './messages.js';
export { type DecodedRequest, type DecodedResponse, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from './codec.js';
export { REQUEST_SCHEMAS, RESPONSE_SCHEMAS, PIGEONHOLE_GEOMETRY_SCHEMA, SPHINX_GEOMETRY_SCHEMA } from './schemas.js';
export type { Field, Kind, Schema } from './schema.js';
export { type PkiDocument, decodePkiDocument, lambdaPOf } from './pki.js';
