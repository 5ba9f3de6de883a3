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

/**
 * JSON lines (pino) on stdout, or appended to `file` when one is given: `npm start` sends its logs to a file so the
 * terminal keeps the banner and what a person needs, while production keeps JSON on stdout for its collector.
 */
export function createLogger(level: string, name = 'msix-gateway', file = ''): Logger {
  const options = { name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return file ? pino(options, pino.destination({ dest: file, mkdir: true, sync: false })) : pino(options);
}

export type { Logger };
