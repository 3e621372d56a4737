import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs: one JSON line per event. Secrets in config are `Secret` objects (they serialise as
 * "[redacted]"); the redact paths below are a second fence for raw values that pass through.
 */
export const REDACT_PATHS = [
  'app_secret',
  '*.app_secret',
  'appSecret',
  '*.appSecret',
  'encrypt_key',
  '*.encrypt_key',
  'encryptKey',
  '*.encryptKey',
  'verification_token',
  '*.verification_token',
  'tenant_access_token',
  '*.tenant_access_token',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-lark-signature"]',
];

export function createLogger(opts: { level: string; destination?: DestinationStream; name?: string }): Logger {
  return pino(
    {
      level: opts.level,
      name: opts.name ?? 'lead-journey',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    // Asynchronous: a burst of requests is written in a few large writes instead of one blocking write
    // per line (the durable record is SQLite, not the log); pino flushes what is buffered on exit.
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
