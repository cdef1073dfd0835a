/**
 * The outcome of one delivery (STYLE.md §5, after mautrix bridgev2's messagestatus.go): the
 * internal cause goes to logs, the user line to a notice next to the message, and the failure is
 * retriable (tried again with backoff) or final (reported once, the queue moves on).
 */

export type DeliveryErrorCode =
  | 'frontend_unavailable'
  | 'frontend_rejected'
  | 'group_unavailable'
  | 'group_rejected'
  | 'not_a_member'
  | 'join_denied'
  | 'file_too_large'
  | 'unknown_portal';

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly code: DeliveryErrorCode;
  readonly retriable: boolean;
  /** Shown to the people in the room; plain, no internal detail, never a secret. */
  readonly userLine: string;

  constructor(code: DeliveryErrorCode, o: { retriable: boolean; userLine: string; cause?: unknown; detail?: string }) {
    super(o.detail ?? o.userLine, o.cause === undefined ? undefined : { cause: o.cause });
    this.code = code;
    this.retriable = o.retriable;
    this.userLine = o.userLine;
  }
}

export interface FailedStatus {
  readonly code: DeliveryErrorCode;
  readonly retriable: boolean;
  /** For logs: the error's name and message, capped; callers must not put secrets in errors. */
  readonly cause: string;
  readonly userLine: string;
}

const MAX_CAUSE_CHARS = 300;

/** Any thrown value as a status: a DeliveryError keeps its verdict; anything else is an
 *  unexpected failure, retried, with a generic user line. */
export function failureOf(e: unknown, unknownCode: DeliveryErrorCode): FailedStatus {
  if (e instanceof DeliveryError) return { code: e.code, retriable: e.retriable, cause: causeText(e), userLine: e.userLine };
  return { code: unknownCode, retriable: true, cause: causeText(e), userLine: 'it could not be delivered (temporary problem)' };
}

function causeText(e: unknown): string {
  const s = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return s.length > MAX_CAUSE_CHARS ? `${s.slice(0, MAX_CAUSE_CHARS)}…` : s;
}
