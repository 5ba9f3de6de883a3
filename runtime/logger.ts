import { pino, type Logger } from 'pino';

/**
 * Paths redacted from every log line: credentials, tokens and anything that
 * could carry a child's data if a body were ever logged.
 */
export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.client_secret', '*.password',
  '*.access_token', '*.refresh_token', '*.token', 'body', 'record', 'identity',
];

export function createLogger(level: string, name = 'msix-gateway'): Logger {
  return pino({ name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}

export type { Logger };
