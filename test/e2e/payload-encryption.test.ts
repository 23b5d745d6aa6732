import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { payloadKeysOf } from '../../src/config';
import { createPayloadCodec, isEncrypted } from '../../src/temporal/payload-codec';
import type { Flow } from '../../src/schemas/flow';
import { sessionWorkflowId, stateQuery } from '../../workflows/definitions';
import { TEMPORAL_CLI } from '../../src/dev/servers';
import { channelWithBot } from '../helpers/fixtures';
import { devServers } from '../helpers/servers';
import { decodedText, historyHolds, payloadsOf } from '../helpers/history-bytes';
import { describeFailures, replayLiveHistories } from '../helpers/replay-live';
import type { ReceivedEvent } from '../../src/webhooks/listener';
import { useStackWithReceiver } from '../helpers/stack';

const marker = randomBytes(6).toString('hex');
const BOT_TEXT = `Welcome to the vault ${marker}. What shall we deliver, and where?`;
const USER_TEXT = `two pizzas to 221B Baker Street ${marker}`;
const ATTACHMENT_URL = `https://cdn.example.com/receipts/${marker}.png`;
const HTTP_HEADER = `Bearer header-secret-${marker}`;
const VAULT_FLOW: Flow = {
  start: 'ask',
  nodes: {
    ask: { type: 'question', text: BOT_TEXT, saveAs: 'order', next: 'note' },
    note: { type: 'set', vars: { shipTo: '{{order}}' }, next: 'reply' },
    reply: { type: 'message', text: 'Noted: {{shipTo}}', attachments: [{ url: ATTACHMENT_URL, offset: 0 }], next: 'bye' },
    bye: { type: 'end', text: 'Bye' },
  },
};

describe('Temporal payload encryption (real Temporal: what the server stores)', function () {
  this.timeout(120_000);
  const suite = useStackWithReceiver();

  it('stores no message text, variable, flow text or attachment URL in the history; the codec reads them all', async () => {
    // An http node's headers travel in the pinned flow: a secret one in a node this conversation does not reach.
    const channel = await channelWithBot(suite.receiver.url, 'vault', 'pro', withHttpHeader(VAULT_FLOW));
    const started = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: '#vault' });
    assert.equal(started.status, 200);
    const userID = started.body.userID!;
    await suite.receiver.waitFor(1, reply(userID, BOT_TEXT));
    assert.equal((await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: USER_TEXT, userID })).status, 200);
    await suite.receiver.waitFor(1, reply(userID, `Noted: ${USER_TEXT}`));

    const workflowId = sessionWorkflowId(channel.channelKey, userID);
    const view = await suite.stack.client.workflow.getHandle(workflowId).query(stateQuery);
    assert.equal(view.variables.shipTo, USER_TEXT, 'the client with the codec reads the state');

    // A client without the codec: the history exactly as Temporal stores and serves it.
    const raw = new Client({ connection: suite.stack.connection });
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    for (const text of [marker, BOT_TEXT, USER_TEXT, ATTACHMENT_URL, HTTP_HEADER, 'Baker Street', 'Noted:']) {
      assert.equal(historyHolds(history, text), false, `the stored history holds "${text}"`);
    }
    const payloads = payloadsOf(history);
    assert.ok(payloads.length > 5);
    assert.ok(payloads.filter(isEncrypted).length > 5, 'signals, activity inputs and results are encrypted');

    // The same search finds everything once decoded, so the check above can fail.
    const decoded = await decodedText(history, createPayloadCodec(payloadKeysOf({})));
    for (const text of [BOT_TEXT, USER_TEXT, ATTACHMENT_URL, HTTP_HEADER]) assert.ok(decoded.includes(text), `decoded: "${text}"`);
    await assert.rejects(raw.workflow.getHandle(workflowId).query(stateQuery), /encoding|binary\/encrypted/i, 'without the codec the state cannot be read');
  });

  it('shows ciphertext to `temporal workflow show`, and the state to `temporal workflow query` through /codec', async () => {
    const channel = await channelWithBot(suite.receiver.url, 'vault', 'pro', VAULT_FLOW);
    const started = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: '#vault' });
    const userID = started.body.userID!;
    await suite.receiver.waitFor(1, reply(userID, BOT_TEXT));
    await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: USER_TEXT, userID });
    await suite.receiver.waitFor(1, reply(userID, `Noted: ${USER_TEXT}`));
    const { temporalAddress } = await devServers();
    const temporal = async (...args: string[]) =>
      (await promisify(execFile)(TEMPORAL_CLI, [...args, '--address', temporalAddress, '-w', sessionWorkflowId(channel.channelKey, userID), '-o', 'json'], { maxBuffer: 16 * 1024 * 1024 })).stdout;
    const shown = await temporal('workflow', 'show');
    assert.match(shown, /binary\/encrypted|YmluYXJ5L2VuY3J5cHRlZA/, 'the CLI sees encrypted payloads');
    const texts = [USER_TEXT, BOT_TEXT].flatMap((text) => [text, Buffer.from(text).toString('base64').slice(0, 24)]);
    for (const text of texts) assert.equal(shown.includes(text), false, `workflow show holds "${text}"`);
    const codecFlags = ['--codec-endpoint', `${suite.stack.baseUrl}/codec`, '--codec-auth', `Bearer ${suite.stack.codecToken}`];
    assert.match(await temporal('workflow', 'query', '--type', 'state', ...codecFlags), new RegExp(`Noted: ${USER_TEXT}`));
  });

  it('replays the encrypted history with the codec', async () => {
    const channel = await channelWithBot(suite.receiver.url, 'vault', 'pro', VAULT_FLOW);
    const started = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: '#vault' });
    await suite.receiver.waitFor(1, reply(started.body.userID!, BOT_TEXT));
    const report = await replayLiveHistories(suite.stack.client, [sessionWorkflowId(channel.channelKey, started.body.userID!)]);
    assert.equal(report.failures.length, 0, describeFailures(report));
    assert.ok(report.replayed >= 1);
  });
});

function reply(userID: number, message: string) {
  return (event: ReceivedEvent) => {
    const payload = event.payload as { userID?: number; message?: string };
    return payload.userID === userID && payload.message === message;
  };
}

/** The flow with an http node (never reached) whose header is a secret. */
function withHttpHeader(flow: Flow): Flow {
  return {
    ...flow,
    nodes: {
      ...flow.nodes,
      note: { type: 'branch', cases: [{ if: { var: 'order', equals: 'call the api' }, next: 'call' }], else: 'set' },
      set: { type: 'set', vars: { shipTo: '{{order}}' }, next: 'reply' },
      call: { type: 'http', method: 'GET', url: 'https://api.example.com/orders', headers: { authorization: HTTP_HEADER }, saveAs: 'api', next: 'reply', onError: 'reply' },
    },
  };
}
