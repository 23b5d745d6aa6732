/**
 * Records real session histories for the replay tests: runs scenarios through the real API, worker,
 * Temporal dev server and FerretDB, then writes each workflow's history to test/histories/<name>.json.
 * Existing files are kept: an old history is what proves a new change still replays (`--overwrite` to redo, as
 * when patches are retired: README, "Changing workflow code").
 */
import './traced';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Types } from 'mongoose';
import { disconnectDatabase } from '../../src/db/connect';
import { Channel } from '../../src/db/channel';
import { Deployment } from '../../src/db/deployment';
import { resumeWaitingDeliveries } from '../../src/services/channels/deliveries';
import { TEMPORAL_CLI } from '../../src/dev/servers';
import type { Flow } from '../../src/schemas/flow';
import { EVENT_TYPES } from '../../src/events/types';
import { adminMessageSignal, resumeBotSignal, sessionWorkflowId } from '../../workflows/definitions';
import { exampleBot } from '../helpers/examples';
import { channelWithBot, type ChannelFixture } from '../helpers/fixtures';
import { Receiver } from '../helpers/receiver';
import { devServers, stopDevServers } from '../helpers/servers';
import { startStack, type Stack } from '../helpers/stack';

const OUT = resolve(__dirname, '../histories');
const overwrite = process.argv.includes('--overwrite');

type Scenario = (stack: Stack, receiver: Receiver) => Promise<{ channel: ChannelFixture; userID: number }>;

const say = (stack: Stack, channel: ChannelFixture) => async (message: string, userID?: number) =>
  (await stack.postMessage({ channelID: channel.channelID, token: channel.token, message, userID })).body.userID!;
const settle = () => new Promise((ok) => setTimeout(ok, 1_500));

/** 410 Gone disables the channel; the delivery waits until the channel is re-enabled, then goes out. */
const disabledThenReenabled: Scenario = async (stack, receiver) => {
  const channel = await channelWithBot(receiver.url);
  receiver.respond = () => 410;
  const userID = await say(stack, channel)('drinks');
  await settle();
  receiver.respond = () => undefined;
  await Channel.updateOne({ _id: channel.channelKey }, { status: 'active', $unset: { disabledReason: 1 } });
  await resumeWaitingDeliveries(stack.client, new Types.ObjectId(channel.channelKey));
  return { channel, userID };
};

/** http node answered by a real server, a delay, a handoff resumed by signal, a final question. */
const supportDesk: Scenario = async (stack, receiver) => {
  const tickets = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"T-1"}'));
  tickets.listen(0, '127.0.0.1');
  await once(tickets, 'listening');
  const flow = exampleBot('support-desk').flow as Flow & { nodes: Record<string, { url?: string }> };
  flow.nodes.lookup!.url = `http://127.0.0.1:${(tickets.address() as AddressInfo).port}/tickets`;
  const channel = await channelWithBot(receiver.url, 'help', 'pro', flow);
  const userID = await say(stack, channel)('#help');
  await say(stack, channel)('ann@example.com', userID);
  await new Promise((ok) => setTimeout(ok, 3_000));
  await stack.client.workflow.getHandle(sessionWorkflowId(channel.channelKey, userID)).signal(resumeBotSignal);
  await settle();
  await say(stack, channel)('Great', userID);
  tickets.close();
  return { channel, userID };
};

const SCENARIOS: Record<string, Scenario> = {
  // keyword → question → answer → message with attachment → end; then idle completion.
  'conversation-then-idle': async (stack, receiver) => {
    const channel = await channelWithBot(receiver.url);
    const userID = await say(stack, channel)('#Drinks');
    await settle();
    await say(stack, channel)('Tea', userID);
    await say(stack, channel)('anything else?', userID);
    return { channel, userID };
  },
  // the retry schedule in the workflow: the first attempt is refused, a durable timer, the retry delivers.
  'delivery-retry-timer-then-idle': async (stack, receiver) => {
    const channel = await channelWithBot(receiver.url);
    await receiver.down();
    const userID = await say(stack, channel)('drinks');
    await settle();
    await receiver.up();
    await new Promise((ok) => setTimeout(ok, 6_500)); // the 5 s (±20 %) retry
    return { channel, userID };
  },
  // 410 Gone disables the channel; the delivery waits until the channel is re-enabled, then goes out.
  'delivery-channel-disabled-then-reenabled': disabledThenReenabled,
  // choice and number validation with retries, branch, set, a message with an attachment, end.
  'pizza-order-every-branch': async (stack, receiver) => {
    const channel = await channelWithBot(receiver.url, 'pizza', 'pro', exampleBot('pizza-order').flow as Flow);
    const userID = await say(stack, channel)('#pizza');
    for (const answer of ['medium', 'large', 'two', '2']) await say(stack, channel)(answer, userID);
    return { channel, userID };
  },
  // A returning user: the first run ends idle, a message starts a fresh run, which loads where seq goes on
  // (loadNextSeq) and saves it when it ends idle (saveNextSeq, the seq-activity-names patch).
  'returning-user-next-seq': async (stack, receiver) => {
    const channel = await channelWithBot(receiver.url);
    const userID = await say(stack, channel)('drinks');
    await stack.client.workflow.getHandle(sessionWorkflowId(channel.channelKey, userID)).result();
    await say(stack, channel)('#Drinks', userID);
    return { channel, userID };
  },
  // A new user (no loadNextSeq), an http node, a delay (the one wake-up timer), a handoff resumed by signal.
  'support-desk-http-delay-handoff': supportDesk,
  // The conversation log (patch conversation-log) with every event type chosen for the webhook: turns whose events
  // the reply's attempt carries, a message without reply (appendLogEvents), an agent's handoff resumed, the
  // session events queued with a seq, and session.ended sent before the idle run completes.
  'conversation-log-every-event': async (stack, receiver) => {
    const channel = await channelWithBot(receiver.url);
    await Channel.updateOne({ _id: channel.channelKey }, { webhookEvents: [...EVENT_TYPES] });
    await new Promise((ok) => setTimeout(ok, 1_000)); // past the API's 500 ms channel cache
    const userID = await say(stack, channel)('#Drinks');
    await settle();
    await say(stack, channel)('Tea', userID);
    await settle();
    const handle = stack.client.workflow.getHandle(sessionWorkflowId(channel.channelKey, userID));
    await handle.signal(adminMessageSignal, { adminID: 1, text: 'Sam here.', attachments: [], webhookEvents: [...EVENT_TYPES] });
    await say(stack, channel)('thanks Sam', userID);
    await settle();
    await handle.signal(resumeBotSignal);
    await say(stack, channel)('anything else?', userID);
    return { channel, userID };
  },
  // The conversation log with the default webhook events: a turn's events carried by its reply's attempt, a
  // message without reply and the idle session.ended appended by appendLogEvents.
  'conversation-log-default-events': async (stack, receiver) => {
    const channel = await channelWithBot(receiver.url);
    const userID = await say(stack, channel)('#Drinks');
    await settle();
    await say(stack, channel)('Tea', userID);
    await settle();
    await say(stack, channel)('anything else?', userID);
    return { channel, userID };
  },
  // the deployment is deleted mid-conversation: the bot stops at its next step.
  'deployment-deleted-mid-conversation': async (stack, receiver) => {
    const channel = await channelWithBot(receiver.url);
    const userID = await say(stack, channel)('drinks');
    await settle();
    await Deployment.deleteMany({ channelKey: new Types.ObjectId(channel.channelKey) });
    await new Promise((ok) => setTimeout(ok, 1_000)); // past the worker's 500 ms routing cache
    await say(stack, channel)('Tea', userID);
    return { channel, userID };
  },
  // Routes handed in with the signal, no local activities, RE2 regexes: a regex-validated question and a regex
  // branch, a keyword restart mid-question, and a deployment deleted mid-conversation (the route stops the bot).
  'routed-regex-restart-undeployed': async (stack, receiver) => {
    const channel = await channelWithBot(receiver.url, 'code', 'pro', REGEX_FLOW);
    const userID = await say(stack, channel)('#code');
    await say(stack, channel)('not a code', userID);
    await say(stack, channel)('code', userID);
    await say(stack, channel)('AB-1234', userID);
    await say(stack, channel)('#code', userID);
    await settle();
    await Deployment.deleteMany({ channelKey: new Types.ObjectId(channel.channelKey) });
    await new Promise((ok) => setTimeout(ok, 1_000)); // past the API's 500 ms routing cache
    await say(stack, channel)('ZZ-9999', userID);
    return { channel, userID };
  },
};

const REGEX_FLOW: Flow = {
  start: 'ask',
  nodes: {
    ask: {
      type: 'question', text: 'Your order code?', saveAs: 'code', next: 'route',
      validate: { kind: 'regex', pattern: '^[a-z]{2}-\\d{4}$' }, retryText: 'Two letters, a dash, four digits.',
    },
    route: { type: 'branch', cases: [{ if: { var: 'code', matches: '^ab-' }, next: 'known' }], else: 'other' },
    known: { type: 'end', text: 'Found {{code}}.' },
    other: { type: 'end', text: 'No such order.' },
  },
};

async function main() {
  const receiver = await Receiver.start();
  const stack = await startStack({ idleTimeoutMs: 5_000 });
  const { temporalAddress } = await devServers();
  try {
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      const file = resolve(OUT, `${name}.json`);
      if (existsSync(file) && !overwrite) continue;
      const { channel, userID } = await scenario(stack, receiver);
      const handle = stack.client.workflow.getHandle(sessionWorkflowId(channel.channelKey, userID));
      await handle.result(); // every scenario ends idle, so the history is complete
      // The same JSON an operator gets from the Temporal UI's "Download" or `temporal workflow show -o json`.
      writeFileSync(file, execFileSync(TEMPORAL_CLI, ['workflow', 'show', '--address', temporalAddress, '-w', handle.workflowId, '-o', 'json']));
      console.log(`recorded test/histories/${name}.json`);
    }
  } finally {
    await stack.stop();
    await receiver.down();
    await disconnectDatabase();
    await stopDevServers();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
