// The daemon's log lines on stderr (the journal under systemd), with the bridge core's
// BridgeLogger shape. SEAM: src/observability/logger.ts (Logger with redaction) replaces this once
// it is committed; until then callers here pass only ids, counts and codes, never secrets.
import type { BridgeLogger, LogFields, LogLevel } from '../../bridge/index.js';

const ORDER: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export interface DaemonLogger extends BridgeLogger {
  /** SIGHUP: logging.level and logging.json change in place. */
  reconfigure(level: LogLevel, json: boolean): void;
}

export function createDaemonLogger(level: LogLevel, json: boolean, sink: (line: string) => void = (l) => void process.stderr.write(`${l}\n`)): DaemonLogger {
  let max = ORDER.indexOf(level);
  let asJson = json;
  return {
    log(l: LogLevel, event: string, fields: LogFields = {}): void {
      if (ORDER.indexOf(l) > max) return;
      const time = new Date().toISOString();
      if (asJson) return sink(JSON.stringify({ time, level: l, event, ...fields }));
      const kv = Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v)}`);
      sink([time, l.toUpperCase(), event, ...kv].join(' '));
    },
    reconfigure(newLevel, newJson) {
      max = ORDER.indexOf(newLevel);
      asJson = newJson;
    },
  };
}
