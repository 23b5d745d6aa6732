import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Where secrets can sit in what we log: redacted at any of these paths, whatever the call site passed. */
export const REDACTED_PATHS = [
  'token', '*.token', 'apiKey', '*.apiKey', 'key', '*.key',
  'webhookSecret', '*.webhookSecret', 'previousWebhookSecret', '*.previousWebhookSecret', 'previousSecrets', '*.previousSecrets', 'secret', '*.secret', 'secrets', '*.secrets',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'headers["webhook-signature"]', '*.headers["webhook-signature"]',
];

/** JSON lines, one per event, with the active trace's ids so a log line leads to its trace and back. */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin: () => {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const { traceId, spanId } = span.spanContext();
        return { traceId, spanId };
      },
    },
    destination,
  );
}
