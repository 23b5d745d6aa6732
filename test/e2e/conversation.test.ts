import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { version } from '../../package.json';
import { ensureSearchAttributes } from '../../src/temporal/search-attributes';
import {
  BotIdAttribute,
  ChannelKeyAttribute,
  SessionStatusAttribute,
  sessionWorkflowId,
  stateQuery,
  UserIdAttribute,
} from '../../workflows/definitions';
import { channelWithBot, DRINKS_FLOW, runCli } from '../helpers/fixtures';
import { eventually } from '../helpers/eventually';
import { useStackWithReceiver } from '../helpers/stack';

describe('a conversation from POST /v1/messages to the webhook (real Temporal, FerretDB, HTTP)', function () {
  this.timeout(120_000);
  const suite = useStackWithReceiver();

  it('sets up with the CLI, starts the bot by keyword and answers on the signed webhook with every field', async () => {
    const account = await runCli(['account', 'create', '--name', 'Acme', '--plan', 'pro']);
    assert.equal(account.code, 0, account.stderr);
    const apiKey = String(account.json.apiKey);
    const channel = await runCli(['channel', 'create', '--api-key', apiKey, '--webhook', suite.receiver.url], { OUTBOUND_ALLOW_PRIVATE: 'true' });
    assert.equal(channel.code, 0, channel.stderr);
    const { channelID, token, webhookSecret } = channel.json as Record<string, string>;
    assert.match(channelID!, /^[A-Za-z0-9]{16}$/);
    assert.ok(token!.length >= 24);
    assert.match(webhookSecret!, /^whsec_/);
    suite.receiver.useSecret(webhookSecret!);
    const flowFile = join(tmpdir(), `drinks-${Date.now()}.json`);
    writeFileSync(flowFile, JSON.stringify(DRINKS_FLOW));
    const bot = await runCli(['bot', 'create', '--api-key', apiKey, '--file', flowFile]);
    assert.equal(bot.code, 0, bot.stderr);
    assert.equal(bot.json.status, 'ready');
    const deploy = await runCli(['deploy', '--api-key', apiKey, '--channel', channelID!, '--bot', String(bot.json.botId), '--keyword', '#Drinks']);
    assert.equal(deploy.code, 0, deploy.stderr);
    assert.equal(deploy.json.keyword, 'drinks');

    const before = Date.now();
    const first = await suite.stack.postMessage({ channelID, token, message: '#drinks' });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { channelID, message: '#drinks', userID: 1, success: true });

    const [question] = await suite.receiver.waitFor(1, (e) => (e.payload as { channelID?: string }).channelID === channelID);
    assert.equal(question!.verified, true);
    assert.equal(question!.headers['content-type'], 'application/json');
    assert.equal(question!.headers['user-agent'], `Parley/${version}`);
    assert.match(question!.webhookId, /^msg_/);
    const payload = question!.payload as Record<string, unknown>;
    assert.deepEqual(Object.keys(payload).sort(), ['channelID', 'message', 'quickReplies', 'seq', 'timestamp', 'userID']);
    assert.equal(payload.message, 'Tea or coffee?');
    assert.deepEqual(payload.quickReplies, ['Tea', 'Coffee']);
    assert.equal(payload.userID, 1);
    assert.equal(payload.seq, 1);
    assert.ok(Number(payload.timestamp) >= before - 1_000 && Number(payload.timestamp) <= Date.now());

    const answer = await suite.stack.postMessage({ channelID, token, message: 'Tea', userID: 1 });
    assert.equal(answer.status, 200);
    const events = await suite.receiver.waitFor(3, (e) => (e.payload as { channelID?: string }).channelID === channelID);
    assert.deepEqual(
      events.map((e) => e.payload),
      [
        payload,
        { channelID, message: 'Here is your Tea.', userID: 1, seq: 2, timestamp: (events[1]!.payload as { timestamp: number }).timestamp,
          attachments: [{ url: 'https://cdn.example.com/cup.png', offset: 13 }] },
        { channelID, message: `Bye user 1 of ${channelID}`, userID: 1, seq: 3, timestamp: (events[2]!.payload as { timestamp: number }).timestamp },
      ],
    );
    assert.ok(events.every((e) => e.verified === true));
  });

  it('refuses a free account and a bad flow in the CLI with a JSON error and exit code 1', async () => {
    const account = await runCli(['account', 'create', '--name', 'Free Co', '--plan', 'free']);
    const channel = await runCli(['channel', 'create', '--api-key', String(account.json.apiKey), '--webhook', suite.receiver.url]);
    assert.equal(channel.code, 1);
    assert.equal(channel.stdout, '');
    assert.equal((channel.json.error as { code: string }).code, 'plan_not_allowed');

    const pro = await runCli(['account', 'create', '--name', 'Pro Co', '--plan', 'pro']);
    const flowFile = join(tmpdir(), `broken-${Date.now()}.json`);
    writeFileSync(flowFile, JSON.stringify({ start: 'a', nodes: { a: { type: 'message', text: 'x', next: 'missing' } } }));
    const bot = await runCli(['bot', 'create', '--api-key', String(pro.json.apiKey), '--file', flowFile]);
    assert.equal(bot.code, 1);
    const error = bot.json.error as { code: string; details: { path: string }[] };
    assert.equal(error.code, 'invalid_flow');
    assert.deepEqual(error.details.map((d) => d.path), ['flow.nodes.a.next']);
  });

  it('finds the session search attributes registered on the dev server, so the worker adds none', async () => {
    assert.deepEqual(await ensureSearchAttributes(suite.stack.connection, 'default'), []);
    const listed = await suite.stack.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const name of ['ChannelKey', 'UserId', 'SessionStatus', 'BotId']) assert.ok(name in listed.customAttributes!, name);
  });

  it('makes the session findable in Temporal: readable ID, search attributes kept current, memo and state query', async () => {
    const { channelID, token, channelKey, botId } = await channelWithBot(suite.receiver.url, 'drinks', 'enterprise');
    const posted = await suite.stack.postMessage({ channelID, token, message: 'hello there' });
    assert.equal(posted.status, 200);
    const userID = posted.body.userID!;
    const handle = suite.stack.client.workflow.getHandle(sessionWorkflowId(channelKey, userID));
    await eventually(async () => {
      const view = await handle.query(stateQuery);
      assert.deepEqual(view.transcript.map((e) => (e.kind === 'event' ? e.event : e.kind)), ['user', 'unrouted']);
    });
    let description = await handle.describe();
    assert.equal(description.typedSearchAttributes.get(ChannelKeyAttribute), channelKey);
    assert.equal(description.typedSearchAttributes.get(UserIdAttribute), userID);
    assert.equal(description.typedSearchAttributes.get(SessionStatusAttribute), 'idle');
    assert.equal(description.typedSearchAttributes.get(BotIdAttribute), undefined);
    assert.deepEqual(description.memo, { channelID });

    await suite.stack.postMessage({ channelID, token, message: '#drinks', userID });
    await eventually(async () => {
      description = await handle.describe();
      assert.equal(description.typedSearchAttributes.get(SessionStatusAttribute), 'bot');
      assert.equal(description.typedSearchAttributes.get(BotIdAttribute), botId);
    });
    // Visibility is eventually consistent: the list query finds the session within a few seconds.
    await eventually(async () => {
      const listed = [];
      const query = `ChannelKey = "${channelKey}" AND UserId = ${userID} AND SessionStatus = "bot"`;
      for await (const w of suite.stack.client.workflow.list({ query })) listed.push(w.workflowId);
      assert.deepEqual(listed, [sessionWorkflowId(channelKey, userID)]);
    });
  });
});
