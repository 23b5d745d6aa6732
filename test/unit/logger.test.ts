import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { createLogger } from '../../src/logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(JSON.parse(chunk.toString())); done(); } });
  return { logger: createLogger('debug', 'test', stream), lines };
}

describe('logger', () => {
  it('redacts tokens, keys, secrets and signatures wherever a call site puts them', () => {
    const { logger, lines } = capture();
    logger.info({
      token: 'tok-1', apiKey: 'pk_2', webhookSecret: 'whsec_3',
      channel: { token: 'tok-4', webhookSecret: 'whsec_5', previousWebhookSecret: 'whsec_6', secrets: ['whsec_7'] },
      req: { headers: { authorization: 'Bearer pk_8' } }, headers: { authorization: 'Bearer pk_9', 'webhook-signature': 'v1,sig10' },
      target: { secret: 'whsec_11' }, channelKey: 'ck', userID: 7,
    }, 'event');
    const text = JSON.stringify(lines);
    for (let i = 1; i <= 11; i++) assert.doesNotMatch(text, new RegExp(`(tok-|pk_|whsec_|sig)${i}\\b`), `secret ${i} leaked: ${text}`);
    assert.equal(lines[0]!.channelKey, 'ck', 'what is not secret stays');
    assert.equal(lines[0]!.userID, 7);
  });

  it('adds the active trace and span ids to each line', () => {
    const { logger, lines } = capture();
    const span = trace.getTracer('test').startSpan('work');
    context.with(trace.setSpan(context.active(), span), () => logger.info('inside'));
    span.end();
    logger.info('outside');
    assert.equal(lines[0]!.traceId, span.spanContext().traceId);
    assert.equal(lines[0]!.spanId, span.spanContext().spanId);
    assert.equal(lines[1]!.traceId, undefined);
  });
});
