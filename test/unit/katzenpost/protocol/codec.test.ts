import { strict as assert } from 'node:assert';
import {
  ProtocolError, RESPONSE_KEYS, decodeCbor, decodePkiDocument, decodeRequest, decodeResponse, encodeCbor, encodeRequest,
  encodeResponse,
} from '../../../../src/katzenpost/protocol/index.js';

const code = (c: string, path?: string) => (e: unknown) => e instanceof ProtocolError && e.code === c && (path === undefined || e.path === path);
const b = (n: number, v = 1): Uint8Array => new Uint8Array(n).fill(v);
const qid = b(16, 0xaa);
const payload = (frame: Uint8Array): Uint8Array => frame.subarray(4);
/** A response map as the daemon would send it, with `key` set to `body`. */
const responseMap = (key: string, body: unknown): Uint8Array => {
  const m: Record<string, unknown> = {};
  for (const k of RESPONSE_KEYS) m[k] = null;
  m[key] = body;
  return encodeCbor(m);
};

describe('katzenpost protocol: message codec (thin-client §1.3, §2)', () => {
  it('wraps a request in its snake_case key and round-trips it through the daemon-side decoder', () => {
    const f = encodeRequest('encrypt_write', { query_id: qid, plaintext: b(5), write_cap: b(168), message_box_index: b(104) });
    const raw = decodeCbor(payload(f)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(raw), ['encrypt_write']);
    const d = decodeRequest(payload(f));
    assert.equal(d.key, 'encrypt_write');
    if (d.key !== 'encrypt_write') return;
    assert.deepEqual(d.body.write_cap, b(168));
    assert.deepEqual(d.body.query_id, qid);
  });

  it('sends null for absent nullable request fields and always sends Go value fields', () => {
    const f = encodeRequest('create_courier_envelopes_from_tombstone_range', {
      query_id: qid, dest_write_cap: b(168), dest_start_index: b(104), max_count: 0, is_start: false, is_last: true, buffer: null,
    });
    const body = (decodeCbor(payload(f)) as Record<string, Record<string, unknown>>)['create_courier_envelopes_from_tombstone_range']!;
    assert.equal(body['buffer'], null);
    assert.equal(body['is_start'], false);
    assert.equal(body['max_count'], 0);
  });

  it('refuses to encode a cap of the wrong length (RangeError) or the wrong kind (TypeError)', () => {
    assert.throws(() => encodeRequest('encrypt_read', { query_id: qid, read_cap: b(135), message_box_index: b(104) }), RangeError);
    assert.throws(() => encodeRequest('encrypt_read', { query_id: qid, read_cap: 'x' as never, message_box_index: b(104) }), TypeError);
  });

  it('encodes a response with all 25 keys, null for all but one', () => {
    const f = encodeResponse('next_message_box_index_reply', { query_id: qid, next_message_box_index: b(104), error_code: 0 });
    const raw = decodeCbor(payload(f)) as Record<string, unknown>;
    assert.equal(Object.keys(raw).length, 25);
    assert.deepEqual(Object.entries(raw).filter(([, v]) => v !== null).map(([k]) => k), ['next_message_box_index_reply']);
    const d = decodeResponse(payload(f));
    assert.equal(d.key, 'next_message_box_index_reply');
  });

  it('decodes a uint64 counter above 2^53 as an exact bigint', () => {
    const big = (1n << 62n) + 12345n;
    const d = decodeResponse(payload(encodeResponse('get_message_box_index_counter_reply', { query_id: qid, counter: big, error_code: 0 })));
    assert.equal(d.key, 'get_message_box_index_counter_reply');
    if (d.key === 'get_message_box_index_counter_reply') assert.equal(d.body.counter, big);
    const small = decodeResponse(responseMap('get_message_box_index_counter_reply', { query_id: qid, counter: 7, error_code: 0 }));
    if (small.key === 'get_message_box_index_counter_reply') assert.equal(small.body.counter, 7n);
  });

  it('reads omitempty copy diagnostics with default 0 and keeps them when present', () => {
    const a = decodeResponse(responseMap('start_resending_copy_command_reply', { query_id: qid, error_code: 0 }));
    assert.deepEqual(a.key === 'start_resending_copy_command_reply' && [a.body.replica_error_code, a.body.failed_envelope_index], [0, 0]);
    const f = decodeResponse(responseMap('start_resending_copy_command_reply', { query_id: qid, error_code: 26, replica_error_code: 10, failed_envelope_index: 3 }));
    assert.deepEqual(f.key === 'start_resending_copy_command_reply' && [f.body.replica_error_code, f.body.failed_envelope_index], [10, 3]);
  });

  it('accepts null payload fields on an error reply but requires them on success', () => {
    const err = decodeResponse(responseMap('new_keypair_reply', { query_id: qid, write_cap: null, read_cap: null, first_message_index: null, error_code: 3 }));
    assert.equal(err.key === 'new_keypair_reply' && err.body.write_cap, null);
    assert.throws(
      () => decodeResponse(responseMap('new_keypair_reply', { query_id: qid, write_cap: null, read_cap: b(136), first_message_index: b(104), error_code: 0 })),
      code('missing_field', 'new_keypair_reply.write_cap'),
    );
  });

  it('names the field path of a wrong type or length', () => {
    assert.throws(() => decodeResponse(responseMap('encrypt_write_reply', {
      query_id: qid, message_ciphertext: b(10), envelope_descriptor: b(4), envelope_hash: b(31), next_message_box_index: b(104), error_code: 0,
    })), code('bad_length', 'encrypt_write_reply.envelope_hash'));
    assert.throws(() => decodeResponse(responseMap('session_token_reply', { app_id: b(16), resumed: 'yes' })), code('wrong_type', 'session_token_reply.resumed'));
    assert.throws(() => decodeResponse(responseMap('new_keypair_reply', { query_id: qid, error_code: 256 })), code('bad_length', 'new_keypair_reply.error_code'));
    assert.throws(() => decodeResponse(responseMap('new_keypair_reply', { query_id: qid, error_code: -1 })), code('bad_length'));
    assert.throws(() => decodeResponse(responseMap('new_keypair_reply', { query_id: 'abc', error_code: 0 })), code('wrong_type', 'new_keypair_reply.query_id'));
    assert.throws(() => decodeResponse(responseMap('create_courier_envelopes_from_payload_reply', {
      query_id: qid, envelopes: [b(3), 'x'], next_dest_index: b(104), error_code: 0,
    })), code('wrong_type', 'create_courier_envelopes_from_payload_reply.envelopes[1]'));
  });

  it('checks geometry maps key by key (PascalCase) in connection_status_event', () => {
    const geo = { MaxPlaintextPayloadLength: 1549, CourierQueryReadLength: 2000, CourierQueryWriteLength: 2000, CourierQueryReplyReadLength: 1718, CourierQueryReplyWriteLength: 1718, NIKEName: 'CTIDH1024-X25519', SignatureSchemeName: 'Ed25519' };
    const sph = { PacketLength: 3082, NrHops: 5, HeaderLength: 476, RoutingInfoLength: 410, PerHopRoutingInfoLength: 82, SURBLength: 572, SphinxPlaintextHeaderLength: 2, PayloadTagLength: 32, ForwardPayloadLength: 2574, UserForwardPayloadLength: 2000, NextNodeHopLength: 65, SPRPKeyMaterialLength: 64, NIKEName: 'x25519', KEMName: '' };
    const ok = decodeResponse(responseMap('connection_status_event', { is_connected: true, err: null, instance_token: b(16), sphinx_geometry: sph, pigeonhole_geometry: geo }));
    assert.equal(ok.key === 'connection_status_event' && ok.body.pigeonhole_geometry.MaxPlaintextPayloadLength, 1549);
    const { MaxPlaintextPayloadLength: _, ...missing } = geo;
    assert.throws(() => decodeResponse(responseMap('connection_status_event', { is_connected: true, err: null, instance_token: b(16), sphinx_geometry: sph, pigeonhole_geometry: missing })),
      code('missing_field', 'connection_status_event.pigeonhole_geometry.MaxPlaintextPayloadLength'));
    // §1.4: a daemon without geometries is incompatible
    assert.throws(() => decodeResponse(responseMap('connection_status_event', { is_connected: true, err: null, instance_token: b(16) })), code('missing_field'));
  });

  it('treats shutdown_event {} as present (not null) and ignores unknown keys', () => {
    const d = decodeResponse(encodeCbor({ shutdown_event: {}, some_future_key: null }));
    assert.equal(d.key, 'shutdown_event');
    const u = decodeResponse(encodeCbor({ some_future_event: { x: 1 } }));
    assert.deepEqual(u, { key: 'unknown', name: 'some_future_event' });
  });

  it('rejects wrong top-level shapes: non-map, all-null, two set keys', () => {
    assert.throws(() => decodeResponse(encodeCbor([1, 2])), code('not_a_message'));
    assert.throws(() => decodeResponse(encodeCbor(b(3))), code('not_a_message'));
    assert.throws(() => decodeResponse(encodeCbor('text')), code('not_a_message'));
    assert.throws(() => decodeResponse(responseMap('shutdown_event', null)), code('not_a_message'));
    assert.throws(() => decodeResponse(encodeCbor({ shutdown_event: {}, new_pki_document_event: { payload: null } })), code('ambiguous_message'));
    assert.throws(() => decodeResponse(encodeCbor({ shutdown_event: 5 })), code('wrong_type', 'shutdown_event'));
  });

  it('daemon side: missing request fields decode as null, wrong cap lengths throw, empty variants are unknown', () => {
    const d = decodeRequest(encodeCbor({ encrypt_write: { query_id: qid } }));
    assert.equal(d.key === 'encrypt_write' && d.body.write_cap, null);
    assert.throws(() => decodeRequest(encodeCbor({ encrypt_write: { query_id: qid, write_cap: b(167) } })), code('bad_length', 'encrypt_write.write_cap'));
    assert.deepEqual(decodeRequest(encodeCbor({ encrypt_write: null })), { key: 'unknown', name: '' });
    assert.deepEqual(decodeRequest(encodeCbor({ teleport: {} })), { key: 'unknown', name: 'teleport' });
  });

  it('decodes a PKI document Epoch and rejects a document without one', () => {
    assert.equal(decodePkiDocument(encodeCbor({ Epoch: 99, Topology: [] })).Epoch, 99n);
    assert.throws(() => decodePkiDocument(encodeCbor({ Topology: [] })), code('missing_field', 'new_pki_document_event.payload.Epoch'));
    assert.throws(() => decodePkiDocument(new Uint8Array([0xff])), code('cbor_malformed'));
  });
});
