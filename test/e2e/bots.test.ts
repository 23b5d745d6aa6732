import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Channel } from '../../src/db/channel';
import { authenticateApiKey, createAccount } from '../../src/services/accounts';
import { createChannel } from '../../src/services/channels/channels';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { adminApi } from '../helpers/admin-api';
import { runCli } from '../helpers/fixtures';
import { eventually } from '../helpers/eventually';
import { exampleBot } from '../helpers/examples';
import { MANAGEMENT_BUDGET_OUT_OF_REACH, useStackWithReceiver } from '../helpers/stack';
import { resumeBotSignal, sessionWorkflowId } from '../../workflows/definitions';
import type { HttpNode, QuestionNode } from '../../workflows/flow/types';

describe('bots and deployments over the management API (real API, worker, Temporal, FerretDB)', function () {
  this.timeout(60_000);
  // Its first test makes some 25 management calls with one account in a row.
  const suite = useStackWithReceiver({ rateLimits: MANAGEMENT_BUDGET_OUT_OF_REACH });

  async function newAccount(plan: 'pro' | 'enterprise' = 'pro') {
    const { apiKey } = await createAccount({ name: `bots-${Math.random().toString(36).slice(2)}`, plan });
    const channel = await createChannel(await authenticateApiKey(apiKey), { webhookUrl: suite.receiver.url }, { allowPrivate: true });
    suite.receiver.useSecret(channel.webhookSecret);
    const channelKey = String((await Channel.findOne({ channelID: channel.channelID }).lean())!._id);
    return { api: adminApi(suite.stack.baseUrl, apiKey), apiKey, ...channel, channelKey };
  }
  const payloads = (channelID: string, userID: number) =>
    suite.receiver.events.map((e) => e.payload as Record<string, unknown>).filter((p) => p.channelID === channelID && p.userID === userID);

  it('saves versions, keeps invalid flows only as drafts, and guards deploy and delete', async () => {
    const { api, channelID } = await newAccount();
    const anonymous = await fetch(`${suite.stack.baseUrl}/v1/bots`);
    assert.deepEqual([anonymous.status, ((await anonymous.json()) as { error: { code: string } }).error.code], [401, 'unauthorized']);

    const created = await api('POST', '/v1/bots', exampleBot('pizza-order'));
    assert.equal(created.status, 201);
    assert.deepEqual({ ...created.body, botId: undefined }, { botId: undefined, name: 'Pizza order', version: 1, status: 'ready' });
    const { botId } = created.body;

    const broken = { flow: { start: 'a', nodes: { a: { type: 'branch', cases: [{ if: { var: 'x', equals: '1' }, next: 'b' }], else: 'a' } } } };
    // It matches the document (it could be a draft) but is not a valid flow: 422, with the problem's path.
    const refused = await api('PUT', `/v1/bots/${botId}`, broken);
    assert.deepEqual([refused.status, refused.body.error.code], [422, 'invalid_flow']);
    assert.deepEqual(refused.body.error.details.map((d: { path: string }) => d.path), ['flow.nodes.a.cases[0].next']);
    // One that could not even be stored breaks the document: 400, draft or not.
    for (const query of ['', '?draft=true']) {
      const unstorable = await api('PUT', `/v1/bots/${botId}${query}`, { flow: { start: 'a' } });
      assert.deepEqual([unstorable.status, unstorable.body.error.code, unstorable.body.error.details[0].path], [400, 'invalid_request', 'flow.nodes'], query);
    }

    const draft = await api('PUT', `/v1/bots/${botId}?draft=true`, broken);
    assert.deepEqual([draft.status, draft.body.version, draft.body.status, draft.body.problems[0].path], [200, 2, 'draft', 'flow.nodes.a.cases[0].next']);
    const shown = await api('GET', `/v1/bots/${botId}`);
    assert.deepEqual([shown.body.version, shown.body.status, shown.body.readyVersion], [2, 'draft', 1]);
    assert.equal((await api('GET', `/v1/bots/${botId}?version=1`)).body.flow.start, 'size');
    assert.equal((await api('GET', '/v1/bots')).body.bots.length, 1);

    // The path's channel exists; the body's bot does not: 422 at botId, so a 404 here always means the channel.
    const unknownBot = await api('POST', `/v1/channels/${channelID}/deployments`, { botId: 'f'.repeat(24), keyword: 'x' });
    assert.deepEqual([unknownBot.status, unknownBot.body.error.code, unknownBot.body.error.details[0].path], [422, 'unknown_bot_id', 'botId']);
    const deployed = await api('POST', `/v1/channels/${channelID}/deployments`, { botId, keyword: '#Pizza' });
    assert.deepEqual([deployed.status, deployed.body.keyword], [201, 'pizza']);
    assert.equal((await api('POST', `/v1/channels/${channelID}/deployments`, { botId, keyword: 'PIZZA' })).body.error.code, 'keyword_taken');
    assert.equal((await api('POST', `/v1/channels/${channelID}/deployments`, { botId, keyword: 'menu', default: true })).status, 201);
    const secondDefault = await api('POST', `/v1/channels/${channelID}/deployments`, { botId, keyword: 'other', default: true });
    assert.deepEqual([secondDefault.status, secondDefault.body.error.code], [409, 'default_taken']);
    assert.equal((await api('DELETE', `/v1/channels/${channelID}/deployments/menu`)).status, 204);
    const draftOnly = await api('POST', '/v1/bots?draft=true', { name: 'wip', ...broken });
    const refusedDeploy = await api('POST', `/v1/channels/${channelID}/deployments`, { botId: draftOnly.body.botId, keyword: 'wip' });
    assert.deepEqual([refusedDeploy.status, refusedDeploy.body.error.code], [409, 'bot_not_ready']);
    assert.equal((await api('DELETE', `/v1/bots/${botId}`)).body.error.code, 'bot_deployed');
    assert.deepEqual((await api('GET', `/v1/channels/${channelID}/deployments`)).body.deployments.map((d: { keyword: string }) => d.keyword), ['pizza']);
    assert.equal((await api('DELETE', `/v1/channels/${channelID}/deployments/pizza`)).status, 204);
    assert.equal((await api('DELETE', `/v1/bots/${botId}`)).status, 204);
    assert.equal((await api('GET', `/v1/bots/${botId}`)).status, 404);

    const stranger = await newAccount();
    assert.equal((await stranger.api('GET', `/v1/bots/${draftOnly.body.botId}`)).status, 404);
  });

  it('takes a pizza order by keyword: choice retry, number, branch, set, attachment, end, field by field', async () => {
    const { api, channelID, token } = await newAccount();
    const { body: bot } = await api('POST', '/v1/bots', exampleBot('pizza-order'));
    await api('POST', `/v1/channels/${channelID}/deployments`, { botId: bot.botId, keyword: 'pizza' });
    const post = (message: string, userID?: number) => suite.stack.postMessage({ channelID, token, message, userID });

    const { body } = await post('#pizza');
    const userID = body.userID!;
    for (const answer of ['medium', 'large', 'two', '2']) await post(answer, userID);
    await eventually(async () => assert.equal(payloads(channelID, userID).length, 6));
    const received = payloads(channelID, userID).map(({ timestamp, ...rest }) => (assert.equal(typeof timestamp, 'number'), rest));
    assert.deepEqual(received, [
      { channelID, userID, seq: 1, message: `Hi ${userID}! Small or large pizza?`, quickReplies: ['Small', 'Large'] },
      { channelID, userID, seq: 2, message: 'Please pick Small or Large.', quickReplies: ['Small', 'Large'] },
      { channelID, userID, seq: 3, message: 'How many?' },
      { channelID, userID, seq: 4, message: 'A number, please (1-9).' },
      { channelID, userID, seq: 5, message: '2 x Large pizza at 12 EUR each. Here it is:', attachments: [{ url: 'https://cdn.example.com/pizza.jpg', offset: 0 }] },
      { channelID, userID, seq: 6, message: 'Thanks! Your order is on its way.' },
    ]);
  });

  it('runs the support desk: email retry, http answer, a delay, handoff to an agent and back', async () => {
    const tickets = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'T-7', got: JSON.parse(body) })));
    });
    tickets.listen(0, '127.0.0.1');
    await once(tickets, 'listening');
    const example = exampleBot('support-desk');
    const lookup = example.flow.nodes.lookup as HttpNode;
    lookup.url = `http://127.0.0.1:${(tickets.address() as AddressInfo).port}/tickets`;

    const { api, channelID, token, channelKey } = await newAccount('enterprise');
    const { body: bot } = await api('POST', '/v1/bots', example);
    await api('POST', `/v1/channels/${channelID}/deployments`, { botId: bot.botId, keyword: 'help', default: true });
    const post = (message: string, userID?: number) => suite.stack.postMessage({ channelID, token, message, userID });
    const { body } = await post('I need help with my order'); // no keyword: the default deployment starts
    const userID = body.userID!;
    await post('not-an-email', userID);
    await post('ann@example.com', userID);
    await eventually(async () => assert.equal(payloads(channelID, userID).length, 4)); // the handoff message, after the delay
    await suite.stack.client.workflow.getHandle(sessionWorkflowId(channelKey, userID)).signal(resumeBotSignal);
    await eventually(async () => assert.equal(payloads(channelID, userID).length, 5));
    await post('great', userID);
    await eventually(async () => assert.equal(payloads(channelID, userID).length, 6));
    tickets.close();
    assert.deepEqual(payloads(channelID, userID).map((p) => p.message), [
      'What is the email address on your account?',
      'That does not look like an email address. Try again?',
      'Ticket T-7 is open. An agent will be with you in a minute.',
      'You are now talking to a person.',
      'How did we do?',
      'Thanks for rating us Great!',
    ]);
    assert.ok(suite.receiver.events.filter((e) => (e.payload as { channelID?: string }).channelID === channelID).every((e) => e.verified === true));
  });

  it('keeps the version a session started with; only sessions started later run the edited bot', async () => {
    const { api, channelID, token } = await newAccount();
    const pizza = exampleBot('pizza-order');
    const { body: bot } = await api('POST', '/v1/bots', pizza);
    await api('POST', `/v1/channels/${channelID}/deployments`, { botId: bot.botId, keyword: 'pizza' });
    const post = (message: string, userID?: number) => suite.stack.postMessage({ channelID, token, message, userID });
    const early = (await post('#pizza')).body.userID!;
    await eventually(async () => assert.equal(payloads(channelID, early).length, 1));

    const count = pizza.flow.nodes.count as QuestionNode;
    count.text = 'How many pizzas (v2)?';
    assert.equal((await api('PUT', `/v1/bots/${bot.botId}`, { flow: pizza.flow })).body.version, 2);
    await eventually(async () => {
      const late = (await post('#pizza')).body.userID!;
      await post('small', late);
      await eventually(async () => assert.equal(payloads(channelID, late).at(-1)?.message, 'How many pizzas (v2)?'), 3_000);
    });
    await post('small', early);
    await eventually(async () => assert.equal(payloads(channelID, early).at(-1)?.message, 'How many?'));
  });

  it('saves a new version and a draft from the CLI', async () => {
    const { api, apiKey } = await newAccount();
    const { body: bot } = await api('POST', '/v1/bots', exampleBot('pizza-order'));
    const file = resolve(__dirname, '../../examples/support-desk.json');
    const updated = await runCli(['bot', 'update', '--api-key', apiKey, '--bot', bot.botId, '--file', file]);
    assert.deepEqual([updated.code, updated.json.version, updated.json.status, updated.json.name], [0, 2, 'ready', 'Pizza order']);
    const broken = resolve(tmpdir(), `broken-${Date.now()}.json`);
    writeFileSync(broken, JSON.stringify({ start: 'a', nodes: { a: { type: 'message', text: 'x', next: 'b' } } }));
    const draft = await runCli(['bot', 'update', '--api-key', apiKey, '--bot', bot.botId, '--file', broken, '--draft']);
    assert.deepEqual([draft.code, draft.json.version, draft.json.status], [0, 3, 'draft']);
    assert.equal((await api('GET', `/v1/bots/${bot.botId}`)).body.readyVersion, 2);
  });
});
