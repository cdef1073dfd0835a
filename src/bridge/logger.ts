/**
 * The logger the core is given (DESIGN.md §5 "structured logs that never print caps or tokens").
 * Callers pass only ids, codes and internal causes; never message text, caps, vouchers or
 * engine references.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface BridgeLogger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

export const silentLogger: BridgeLogger = { log: () => undefined };
