/** Stable codes for store failures; tests match on these. */
export type StoreErrorCode =
  | 'database_unavailable'
  | 'schema_too_new'
  | 'migration_invalid'
  | 'migration_failed'
  | 'key_file_permissions'
  | 'key_file_invalid'
  | 'secret_box_open';

/** A store failure an operator (or the caller) can act on; messages never carry secret bytes. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
