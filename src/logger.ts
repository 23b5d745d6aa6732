import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines; secrets are redacted wherever they appear in a logged object. */
export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['token', '*.token', 'apiKey', '*.apiKey', 'webhookSecret', '*.webhookSecret', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}
