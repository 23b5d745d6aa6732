import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { z } from 'zod';
import { createAppendLogEvents } from '../../activities/append-events';
import { createAttemptDelivery, type AttemptDeliveryInput } from '../../activities/deliver-webhook';
import { openApiDocument } from '../../src/api/openapi';
import { Event } from '../../src/db/event';
import { channelWithBots } from '../../src/dev/fixtures';
import { readEvents, type LoggedEvent } from '../../src/events/log';
import { EVENT_TYPES, type EventType } from '../../src/events/types';
import type { PendingEvent } from '../../workflows/definitions';
import { adminApi } from '../helpers/admin-api';
import { eventually } from '../helpers/eventually';
import { HANDOFF_FLOW } from '../helpers/flows';
import { useStackWithReceiver } from '../helpers/stack';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema> };

/** The schemas integrators generate types from: the OpenAPI document's webhooks, not the zod objects behind them. */
const document = openApiDocument() as unknown as { webhooks: Record<string, { post: { requestBody: { content: { 'application/json': { schema: JsonSchema } } } } }>; components: { schemas: Record<string, JsonSchema> } };
const webhookSchema = (type: string) => document.webhooks[type]!.post.requestBody.content['application/json'].schema;
const isMessage = (type: string) => type === 'message.bot' || type === 'message.agent';
/** A stored event's `data`: the whole webhook body for bot and agent messages, the body's `data` for the others. */
const dataSchema = (type: string) => z.fromJSONSchema(isMessage(type) ? webhookSchema(type) : webhookSchema(type).properties!.data!);
const envelopeSchema = z.fromJSONSchema(document.components.schemas.LogEvent!);

async function userLog(channelKey: string, userID: number): Promise<LoggedEvent[]> {
  return (await readEvents(channelKey, { userID, limit: 1000 })).events;
}

describe('who writes the conversation log: a session on real servers (Temporal, FerretDB, HTTP)', function () {
  this.timeout(120_000);
  const suite = useStackWithReceiver({ idleTimeoutMs: 4_000, agentIdleTimeoutMs: 2_000, retryScheduleMs: [200, 200] });

  it('produces every event type in a real scenario; each stored event validates against its schema in the OpenAPI webhooks, and the webhook gets the chosen ones with one gap-free seq', async () => {
    const channel = await channelWithBots(suite.receiver.url, { help: HANDOFF_FLOW });
    suite.receiver.useSecret(channel.webhookSecret);
    const api = adminApi(suite.stack.baseUrl, channel.apiKey);
    const patched = await api('PATCH', `/v1/channels/${channel.channelID}`, { webhookEvents: [...EVENT_TYPES] });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body.webhookEvents, EVENT_TYPES);
    const { channelID, token } = channel;
    const user = `/v1/channels/${channelID}/users/1`;

    assert.equal((await suite.stack.postMessage({ channelID, token, message: 'help' })).status, 200);
    await eventually(async () => assert.ok((await userLog(channel.channelKey, 1)).some((e) => e.type === 'handoff.started')));
    assert.equal((await api('POST', `${user}/messages`, { message: 'Sam here.' })).status, 202);
    await eventually(async () => assert.ok((await userLog(channel.channelKey, 1)).some((e) => e.type === 'message.agent')));
    assert.equal((await api('POST', `${user}/resume`)).status, 202);
    await eventually(async () => assert.ok((await userLog(channel.channelKey, 1)).some((e) => e.type === 'handoff.ended')));
    assert.equal((await api('POST', `${user}/messages`, { message: 'Me again.' })).status, 202);
    // The agent says nothing for AGENT_IDLE_TIMEOUT (2 s here), then the session idles out (4 s).
    await eventually(async () => assert.ok((await userLog(channel.channelKey, 1)).some((e) => e.type === 'session.ended')), 20_000);

    // A second user whose first reply the webhook refuses until its schedule (200 ms, 200 ms) is spent.
    suite.receiver.respond = (event) => ((event.payload as { userID?: number; message?: string }).message === 'Connecting you.' && (event.payload as { userID?: number }).userID === 2 ? 500 : undefined);
    assert.equal((await suite.stack.postMessage({ channelID, token, message: 'help' })).status, 200);
    await eventually(async () => assert.ok((await userLog(channel.channelKey, 2)).some((e) => e.type === 'delivery.failed')), 20_000);
    suite.receiver.respond = () => undefined;

    const first = await userLog(channel.channelKey, 1);
    assert.deepEqual(first.map((e) => e.type), [
      'message.user', 'message.bot', 'handoff.started', 'message.agent', 'handoff.ended', 'message.bot', 'handoff.started', 'message.agent', 'handoff.ended', 'session.ended',
    ]);
    assert.deepEqual(first.find((e) => e.type === 'session.ended')!.data, { reason: 'idle_timeout' });
    const stored = [...first, ...(await userLog(channel.channelKey, 2))];
    assert.deepEqual(new Set(stored.map((e) => e.type)), new Set(EVENT_TYPES), 'every type produced');
    for (const event of stored) {
      envelopeSchema.parse(event);
      const checked = dataSchema(event.type).safeParse(event.data);
      assert.ok(checked.success, `${event.type}: ${JSON.stringify(event.data)} ${checked.error?.message}`);
    }
    const failed = stored.find((e) => e.type === 'delivery.failed')!.data as { seq: number; attempts: number; error: string };
    assert.deepEqual([failed.seq, failed.attempts, failed.error], [2, 3, 'webhook answered 500']);

    // Every type went to the webhook too, each body valid, under one seq per user with no gap and no duplicate.
    await eventually(async () => assert.ok(suite.receiver.events.some((e) => (e.payload as { type?: string }).type === 'session.ended')));
    const received = suite.receiver.events.filter((e) => (e.payload as { channelID?: string }).channelID === channelID && e.verified);
    const firstUser = received.filter((e) => (e.payload as { userID: number }).userID === 1).map((e) => e.payload as { seq: number; type?: EventType });
    assert.deepEqual(firstUser.map((p) => p.seq), firstUser.map((_, i) => i + 1));
    assert.deepEqual(firstUser.map((p) => p.type ?? 'message'), ['message.user', 'message', 'handoff.started', 'message', 'handoff.ended', 'message', 'handoff.started', 'message', 'handoff.ended', 'session.ended']);
    for (const { payload } of received) {
      const type = (payload as { type?: EventType }).type ?? ((payload as { adminID?: number }).adminID ? 'message.agent' : 'message.bot');
      assert.ok(z.fromJSONSchema(webhookSchema(type)).safeParse(payload).success, `webhook body of ${type}: ${JSON.stringify(payload)}`);
    }
  });

  it('sends a channel that chose nothing only its messages, as before the log, while the log keeps everything', async () => {
    const channel = await channelWithBots(suite.receiver.url, { help: HANDOFF_FLOW });
    const view = await adminApi(suite.stack.baseUrl, channel.apiKey)('GET', `/v1/channels/${channel.channelID}`);
    assert.deepEqual(view.body.webhookEvents, ['message.bot', 'message.agent']);
    const { channelID, token } = channel;
    await suite.stack.postMessage({ channelID, token, message: 'help' });
    await eventually(async () => assert.ok((await userLog(channel.channelKey, 1)).some((e) => e.type === 'handoff.started')));
    await suite.receiver.waitFor(1, (e) => (e.payload as { channelID?: string }).channelID === channelID);
    await new Promise((ok) => setTimeout(ok, 500));
    const bodies = suite.receiver.events.filter((e) => (e.payload as { channelID?: string }).channelID === channelID).map((e) => e.payload as Record<string, unknown>);
    assert.deepEqual(bodies.map((b) => [b.message, b.seq, b.type]), [['Connecting you.', 1, undefined]]);
    assert.deepEqual((await userLog(channel.channelKey, 1)).map((e) => [e.type, e.seq]), [['message.user', undefined], ['message.bot', 1], ['handoff.started', undefined]]);
  });

  it('refuses an unknown event type or the same type twice in webhookEvents (400 invalid_request)', async () => {
    const channel = await channelWithBots(suite.receiver.url, {});
    const api = adminApi(suite.stack.baseUrl, channel.apiKey);
    for (const webhookEvents of [['message.bot', 'message.nope'], ['message.bot', 'message.bot'], 'message.bot']) {
      const answer = await api('PATCH', `/v1/channels/${channel.channelID}`, { webhookEvents });
      assert.equal(answer.status, 400, JSON.stringify(webhookEvents));
      assert.equal(answer.body.error.code, 'invalid_request');
    }
    const created = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url, webhookEvents: ['message.user'] });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.webhookEvents, ['message.user']);
  });

  it('stores nothing twice when an activity is retried: the append activity and a delivery attempt carrying events', async () => {
    const channel = await channelWithBots(suite.receiver.url, {});
    suite.receiver.useSecret(channel.webhookSecret);
    const events: PendingEvent[] = [
      { id: `retry-user-${Date.now()}`, type: 'message.user', at: Date.now(), data: { message: 'hi' } },
      { id: `retry-ended-${Date.now()}`, type: 'handoff.ended', at: Date.now(), data: { reason: 'resumed' } },
    ];
    const append = createAppendLogEvents();
    const input = { channelKey: channel.channelKey, userID: 9, events };
    assert.equal(await new MockActivityEnvironment().run(append, input), 2);
    assert.equal(await new MockActivityEnvironment().run(append, input), 0, 'the retry stores nothing');

    const attempt = createAttemptDelivery({ allowPrivate: true, userAgent: 'Parley/test', timeoutMs: 1_000 });
    const webhookId = `msg_retry_${Date.now()}-1`;
    const reply = { text: 'hello', timestamp: Date.now() };
    const attemptInput: AttemptDeliveryInput = {
      channelKey: channel.channelKey, userID: 9, finalAttempt: false, at: Date.now(), seqChecked: true, entry: { webhookId, seq: 1, reply },
      events: [{ id: `retry-user2-${Date.now()}`, type: 'message.user', at: Date.now(), data: { message: 'again' } }, { id: webhookId, type: 'message.bot', at: reply.timestamp, seq: 1, webhookId, data: { sameAsEntry: true } }],
    };
    for (let i = 0; i < 2; i++) assert.equal(((await new MockActivityEnvironment().run(attempt, attemptInput)) as { outcome: string }).outcome, 'delivered');
    const log = await userLog(channel.channelKey, 9);
    assert.equal(log.length, 4);
    assert.equal(new Set(log.map((e) => e.id)).size, 4);
    assert.deepEqual(log[3]!.data, { channelID: channel.channelID, message: 'hello', userID: 9, seq: 1, timestamp: reply.timestamp }, 'the reply is its webhook body');
    assert.equal(await Event.countDocuments({ _id: webhookId }), 1);
  });
});
