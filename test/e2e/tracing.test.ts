import assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { eventually } from '../helpers/eventually';
import { channelWithBot } from '../helpers/fixtures';
import { useStackWithReceiver } from '../helpers/stack';
import { recordedSpans } from '../helpers/tracing';

/** A span's ancestors, nearest first, within its trace. */
function ancestry(span: ReadableSpan, spans: ReadableSpan[]): ReadableSpan[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const chain: ReadableSpan[] = [];
  for (let parent = span.parentSpanId && byId.get(span.parentSpanId); parent; parent = parent.parentSpanId && byId.get(parent.parentSpanId)) chain.push(parent);
  return chain;
}

describe('one trace from POST /v1/messages to the webhook (OpenTelemetry, in-memory exporter)', function () {
  this.timeout(60_000);
  const suite = useStackWithReceiver();

  it('chains POST → signalWithStart → signal handling → delivery activity → webhook request, with traceparent and no secrets', async () => {
    // The integrator's own secret in the webhook URL's query must not reach a span either.
    const channel = await channelWithBot(`${suite.receiver.url}?secret=topsecret-query`);
    const posted = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: '#drinks' });
    assert.equal(posted.status, 200);
    const userID = posted.body.userID!;
    const [event] = await suite.receiver.waitFor(1, (e) => (e.payload as { userID?: number }).userID === userID);

    let webhookRequest: ReadableSpan | undefined;
    let spans: ReadableSpan[] = [];
    await eventually(async () => {
      spans = recordedSpans.getFinishedSpans();
      webhookRequest = spans.find((s) => s.kind === SpanKind.CLIENT && String(s.attributes['http.url']).startsWith(suite.receiver.url));
      assert.ok(webhookRequest, `the webhook request span; have: ${spans.map((s) => `${s.name}[${s.kind}] ${String(s.attributes['http.url'] ?? '')}`).join('; ')}`);
      assert.ok(ancestry(webhookRequest, spans).some((s) => s.kind === SpanKind.SERVER), 'its chain reaches the API request');
    });
    const chain = [webhookRequest!, ...ancestry(webhookRequest!, spans)];
    const names = chain.map((s) => s.name);
    const order = ['RunActivity:attemptDelivery', 'StartActivity:attemptDelivery', 'HandleSignal:userMessage', 'SignalWithStartWorkflow:SessionWorkflow'];
    assert.deepEqual(names.filter((n) => order.includes(n)), order, names.join(' ← '));
    const root = chain.at(-1)!;
    assert.equal(root.kind, SpanKind.SERVER);
    assert.equal(root.name, 'POST /v1/messages', 'the request span is named by its route');
    assert.equal(root.attributes['http.route'], '/v1/messages');
    assert.match(String(root.attributes['http.target'] ?? root.attributes['url.path']), /^\/v1\/messages/);
    assert.equal(new Set(chain.map((s) => s.spanContext().traceId)).size, 1, 'one trace');

    // The integrator can join it: traceparent names this trace and the webhook request span.
    const { traceId, spanId } = webhookRequest!.spanContext();
    assert.equal(event!.headers.traceparent, `00-${traceId}-${spanId}-01`);

    const attributes = chain.map((s) => s.attributes);
    assert.ok(attributes.some((a) => a['channel.key'] === channel.channelKey && a['user.id'] === userID), 'the API span names channel and user');
    const activity = chain.find((s) => s.name === 'RunActivity:attemptDelivery')!;
    assert.equal(activity.attributes['webhook.id'], event!.webhookId);
    assert.equal(activity.attributes['channel.key'], channel.channelKey);

    const metrics = await (await fetch(`${suite.stack.baseUrl}/metrics`)).text();
    assert.match(metrics, /^parley_messages_accepted_total \d+/m, 'the API process counts it too');

    // Every span Parley made; the receiver (the integrator's server, here in the same process) is not Parley's.
    const receiverSide = (s: ReadableSpan) => s.kind === SpanKind.SERVER && String(s.attributes['http.url']).startsWith(suite.receiver.url);
    const everything = JSON.stringify(recordedSpans.getFinishedSpans().filter((s) => !receiverSide(s)).map((s) => [s.name, s.attributes, s.events]));
    for (const secret of ['topsecret-query', channel.token, channel.webhookSecret, channel.webhookSecret.replace(/^whsec_/, ''), channel.apiKey]) {
      assert.ok(!everything.includes(secret), 'a secret is in a span attribute');
    }
  });
});
