// The PKI document carried by new_pki_document_event (thin-client §1.5): a CBOR map with
// PascalCase Go field names. A bridge needs Epoch and LambdaP; the rest is kept undecoded.
import { decodeCbor } from './frame.js';
import { checkMap, k, req, type Schema } from './schema.js';

const PKI_SCHEMA: Schema = { Epoch: req(k.u64) };

export interface PkiDocument {
  readonly Epoch: bigint;
  /** Every key of the document as decoded (untrusted; check before use). */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Throws ProtocolError if the payload is not a CBOR map with an unsigned Epoch. */
export function decodePkiDocument(payload: Uint8Array): PkiDocument {
  const raw = decodeCbor(payload);
  const { Epoch } = checkMap(PKI_SCHEMA, raw, 'new_pki_document_event.payload');
  return { Epoch: Epoch as bigint, raw: raw as Record<string, unknown> };
}

/** LambdaP, the daemon's packet rate per millisecond (thin-client §1.7), if the document has a
 *  sane one: a positive finite number. */
export function lambdaPOf(doc: PkiDocument): number | undefined {
  const v = doc.raw['LambdaP'];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}
