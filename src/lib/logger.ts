import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

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

/**
 * `json` (the default): one JSON object a line, for log collectors. `pretty`: a readable line
 * ("09:30:01 INFO (sandbox): …" with the fields after it), what a person starting `npm start` in a
 * terminal wants; the same redaction runs first. `auto` (LOG_FORMAT) is resolved by the caller: pretty
 * when stdout is a terminal.
 */
export function createLogger(opts: { level: string; destination?: DestinationStream; name?: string; format?: 'json' | 'pretty' }): Logger {
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
    opts.format === 'pretty'
      ? PinoPretty({ destination: opts.destination ?? 1, sync: false, colorize: !opts.destination && process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'name', singleLine: true })
      : (opts.destination ?? pino.destination({ dest: 1, sync: false })),
  );
}

/** LOG_FORMAT=auto: readable on a terminal, JSON when stdout is a pipe or a file. */
export function logFormatFor(format: 'auto' | 'json' | 'pretty', stdoutIsTty = process.stdout.isTTY === true): 'json' | 'pretty' {
  return format === 'auto' ? (stdoutIsTty ? 'pretty' : 'json') : format;
}
