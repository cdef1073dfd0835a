import { DeliveryError } from '../bridge/index.js';

/**
 * Errors of the Matrix frontend (STYLE.md §5). Events pushed by the homeserver are untrusted
 * input: a malformed one is a MatrixEventError with a stable `code` and the field path, logged
 * and skipped, never a crash or a stuck transaction. Failures of calls to the homeserver become
 * the core's DeliveryError, retriable or final by what the homeserver said.
 */

export type MatrixEventErrorCode = 'bad_event' | 'bad_content' | 'bad_relation';

export class MatrixEventError extends Error {
  override readonly name = 'MatrixEventError';
  constructor(
    readonly code: MatrixEventErrorCode,
    /** Where in the event: `content.body`, `content.m.relates_to.event_id`, ... */
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}

/** What a homeserver error looks like (matrix-bot-sdk's MatrixError, or a raw non-2xx response). */
interface HttpFailure {
  readonly statusCode?: unknown;
  readonly errcode?: unknown;
  readonly body?: unknown;
}

/** The homeserver's status code and errcode of a failed call, if it answered at all. */
export function httpFailureOf(e: unknown): { status?: number; errcode?: string } {
  if (typeof e !== 'object' || e === null) return {};
  const f = e as HttpFailure;
  const body = typeof f.body === 'object' && f.body !== null ? (f.body as { errcode?: unknown }) : undefined;
  const errcode = typeof f.errcode === 'string' ? f.errcode : typeof body?.errcode === 'string' ? body.errcode : undefined;
  return { ...(typeof f.statusCode === 'number' ? { status: f.statusCode } : {}), ...(errcode ? { errcode } : {}) };
}

/**
 * A failed call as the core's verdict: no answer (homeserver down), 429 and 5xx are retriable
 * (the core keeps the order and retries, DESIGN.md §4); any other 4xx is final, because sending
 * the same request again gets the same refusal. The cause keeps status and errcode for logs only.
 */
export function deliveryErrorOf(e: unknown, what: string): DeliveryError {
  if (e instanceof DeliveryError) return e;
  const { status, errcode } = httpFailureOf(e);
  const cause = `${what}: ${status ?? 'no answer'}${errcode ? ` ${errcode}` : ''}${status === undefined && e instanceof Error ? ` (${e.message.slice(0, 120)})` : ''}`;
  if (status === undefined || status === 429 || status >= 500) {
    return new DeliveryError('frontend_unavailable', { retriable: true, userLine: 'the Matrix homeserver is unreachable', detail: cause, cause: e });
  }
  return new DeliveryError('frontend_rejected', { retriable: false, userLine: `the Matrix homeserver refused it (${errcode ?? status})`, detail: cause, cause: e });
}
