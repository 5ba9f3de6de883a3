import { pino, type Logger } from 'pino';

/**
 * Paths redacted from every log line: credentials, tokens and anything that
 * could carry a child's data if a body were ever logged.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers.timestamp',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  // Credentials and tokens, at the top level and one level down.
  'client_secret',
  'clientSecret',
  'password',
  'secret',
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'code_verifier',
  'session',
  '*.client_secret',
  '*.clientSecret',
  '*.password',
  '*.secret',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.token',
  '*.code_verifier',
  '*.session',
  'body',
  'record',
  'identity',
];

export function createLogger(level: string, name = 'msix-gateway'): Logger {
  return pino({ name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}

export type { Logger };
