// The two geometries the daemon sends in connection_status_event (thin-client spec §1.5, §3.2).
// Key sets are exact: the Python client rejects a pigeonhole_geometry with unknown keys, and the
// Go client refuses a daemon that sends none.

/** thin-client §3.2: every layer between the Sphinx user payload and the BACAP plaintext. */
export const PIGEONHOLE_OVERHEAD_BYTES = 451;
/** CourierQueryReply{Read,Write}Length is this much shorter than the query (2000 → 1718). */
const REPLY_SHRINK_BYTES = 282;
/** The public network's UserForwardPayloadLength (katzenqt config/client.toml). */
export const DEFAULT_MAX_PLAINTEXT_PAYLOAD_LENGTH = 2000 - PIGEONHOLE_OVERHEAD_BYTES;

export interface SphinxGeometry {
  readonly PacketLength: number;
  readonly NrHops: number;
  readonly HeaderLength: number;
  readonly RoutingInfoLength: number;
  readonly PerHopRoutingInfoLength: number;
  readonly SURBLength: number;
  readonly SphinxPlaintextHeaderLength: number;
  readonly PayloadTagLength: number;
  readonly ForwardPayloadLength: number;
  readonly UserForwardPayloadLength: number;
  readonly NextNodeHopLength: number;
  readonly SPRPKeyMaterialLength: number;
  readonly NIKEName: string;
  readonly KEMName: string;
}

export interface PigeonholeGeometry {
  readonly MaxPlaintextPayloadLength: number;
  readonly CourierQueryReadLength: number;
  readonly CourierQueryWriteLength: number;
  readonly CourierQueryReplyReadLength: number;
  readonly CourierQueryReplyWriteLength: number;
  readonly NIKEName: string;
  readonly SignatureSchemeName: string;
}

export interface Geometry {
  readonly sphinx: SphinxGeometry;
  readonly pigeonhole: PigeonholeGeometry;
}

/**
 * Derives both geometries from the box payload size, as NewGeometryFromSphinx does in reverse
 * (§3.2): UserForwardPayloadLength = MaxPlaintextPayloadLength + 451. The Sphinx header sizes are
 * the public network's (5 hops, x25519); only the payload-dependent lengths move.
 */
export function geometryFor(maxPlaintextPayloadLength: number = DEFAULT_MAX_PLAINTEXT_PAYLOAD_LENGTH): Geometry {
  if (!Number.isSafeInteger(maxPlaintextPayloadLength) || maxPlaintextPayloadLength < 64 || maxPlaintextPayloadLength > 1_000_000) {
    throw new RangeError('maxPlaintextPayloadLength: must be an integer in [64, 1000000]');
  }
  const userForward = maxPlaintextPayloadLength + PIGEONHOLE_OVERHEAD_BYTES;
  const headerLength = 476;
  const payloadTag = 32;
  const plaintextHeader = 2;
  const surb = 572;
  const forward = userForward + surb + plaintextHeader;
  return {
    sphinx: {
      PacketLength: headerLength + payloadTag + forward,
      NrHops: 5,
      HeaderLength: headerLength,
      RoutingInfoLength: 410,
      PerHopRoutingInfoLength: 82,
      SURBLength: surb,
      SphinxPlaintextHeaderLength: plaintextHeader,
      PayloadTagLength: payloadTag,
      ForwardPayloadLength: forward,
      UserForwardPayloadLength: userForward,
      NextNodeHopLength: 65,
      SPRPKeyMaterialLength: 64,
      NIKEName: 'x25519',
      KEMName: '',
    },
    pigeonhole: {
      MaxPlaintextPayloadLength: maxPlaintextPayloadLength,
      CourierQueryReadLength: userForward,
      CourierQueryWriteLength: userForward,
      CourierQueryReplyReadLength: userForward - REPLY_SHRINK_BYTES,
      CourierQueryReplyWriteLength: userForward - REPLY_SHRINK_BYTES,
      NIKEName: 'CTIDH1024-X25519',
      SignatureSchemeName: 'Ed25519',
    },
  };
}
