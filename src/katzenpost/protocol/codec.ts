// Encoding and checked decoding of whole messages, for both ends of the socket (thin-client §1.3):
// a client encodes requests and decodes responses; a daemon (the emulator, or a test's fake)
// decodes requests and encodes responses with all 25 keys, null for all but one.
import { REQUEST_KEYS, RESPONSE_KEYS, type RequestKey, type ResponseKey } from './constants.js';
import { decodeCbor, encodeFrame } from './frame.js';
import type { Loose, RequestMap, ResponseMap } from './messages.js';
import { ProtocolError } from './protocol-error.js';
import { checkMap, fillMap, isPlainMap } from './schema.js';
import { REQUEST_SCHEMAS, RESPONSE_SCHEMAS } from './schemas.js';

const REQUEST_SET: ReadonlySet<string> = new Set(REQUEST_KEYS);
const RESPONSE_SET: ReadonlySet<string> = new Set(RESPONSE_KEYS);

export type DecodedResponse =
  | { [K in ResponseKey]: { readonly key: K; readonly body: ResponseMap[K] } }[ResponseKey]
  /** §1.3: unknown keys are ignored; a frame whose only key is unknown is reported, not fatal. */
  | { readonly key: 'unknown'; readonly name: string };

export type DecodedRequest =
  | { [K in RequestKey]: { readonly key: K; readonly body: Loose<RequestMap[K]> } }[RequestKey]
  /** An empty or unknown request variant: the daemon drops it silently (§1.7). */
  | { readonly key: 'unknown'; readonly name: string };

/** The one non-null top-level entry of a message map (§1.3). */
function soleEntry(value: unknown, known: ReadonlySet<string>): [string, unknown] | undefined {
  if (!isPlainMap(value)) throw new ProtocolError('not_a_message', '', 'top level is not a CBOR map');
  let found: [string, unknown] | undefined;
  let unknown: [string, unknown] | undefined;
  for (const [key, body] of Object.entries(value)) {
    if (body === null || body === undefined) continue;
    if (!known.has(key)) {
      unknown ??= [key, body];
      continue;
    }
    if (found) throw new ProtocolError('ambiguous_message', '', `both ${found[0]} and ${key} are set`);
    found = [key, body];
  }
  return found ?? unknown;
}

/** Checks a request body against its schema; our own bad argument is a RangeError/TypeError. */
function checkOutgoing(path: string, schema: Parameters<typeof checkMap>[0], body: object): void {
  try {
    checkMap(schema, body, path);
  } catch (e) {
    if (e instanceof ProtocolError) {
      const Ctor = e.code === 'bad_length' ? RangeError : TypeError;
      throw new Ctor(e.message);
    }
    throw e;
  }
}

/** Client side: one request frame, `{"<key>": {...}}`. Lengths are checked before sending
 *  because the daemon closes the connection on a wrong cap length (§1.2). */
export function encodeRequest<K extends RequestKey>(key: K, body: RequestMap[K]): Uint8Array {
  const schema = REQUEST_SCHEMAS[key];
  checkOutgoing(key, schema, body);
  return encodeFrame({ [key]: fillMap(schema, body as unknown as Record<string, unknown>) });
}

/** Daemon side: one response frame carrying all 25 keys (§1.3). */
export function encodeResponse<K extends ResponseKey>(key: K, body: Partial<ResponseMap[K]>): Uint8Array {
  const map: Record<string, unknown> = {};
  for (const k of RESPONSE_KEYS) map[k] = null;
  map[key] = fillMap(RESPONSE_SCHEMAS[key], body as Record<string, unknown>);
  return encodeFrame(map);
}

/** Client side: checks a response frame's payload into a typed value. */
export function decodeResponse(payload: Uint8Array): DecodedResponse {
  const entry = soleEntry(decodeCbor(payload), RESPONSE_SET);
  if (!entry) throw new ProtocolError('not_a_message', '', 'response has no non-null key');
  const [key, body] = entry;
  if (!RESPONSE_SET.has(key)) return { key: 'unknown', name: key };
  const k = key as ResponseKey;
  return { key: k, body: checkMap(RESPONSE_SCHEMAS[k], body, k) } as DecodedResponse;
}

/** Daemon side: checks a request frame's payload. Missing fields are left null (the daemon
 *  replies 3); present fields of the wrong type or length throw (the daemon closes). */
export function decodeRequest(payload: Uint8Array): DecodedRequest {
  const entry = soleEntry(decodeCbor(payload), REQUEST_SET);
  if (!entry) return { key: 'unknown', name: '' };
  const [key, body] = entry;
  if (!REQUEST_SET.has(key)) return { key: 'unknown', name: key };
  const k = key as RequestKey;
  return { key: k, body: checkMap(REQUEST_SCHEMAS[k], body, k) } as DecodedRequest;
}
