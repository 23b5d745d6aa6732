import assert from 'node:assert/strict';
import { Types } from 'mongoose';
import { Delivery } from '../../src/db/delivery';
import { SESSION_WORKFLOW_TYPE, sessionWorkflowId, stateQuery, type SessionInput } from '../../workflows/definitions';
import { eventually } from '../helpers/eventually';
import { channelWithBot, runCli } from '../helpers/fixtures';
import { devServers } from '../helpers/servers';
import { useStackWithReceiver } from '../helpers/stack';

type Payload = { seq: number; userID: number; channelID: string; message: string };

/** `npm run cli -- session recover`: an operator's way out for a session whose run no longer makes progress. */
describe('recovering a session with the CLI (real API, worker, Temporal, FerretDB)', function () {
  this.timeout(120_000);
  // Retries far apart: a failed delivery stays pending in the log while the test recovers the session.
  const suite = useStackWithReceiver({ retryScheduleMs: [600_000] });

  const recover = async (channelID: string, userID: number) => {
    const { temporalAddress } = await devServers();
    return runCli(['session', 'recover', '--channel', channelID, '--user', String(userID)], {
      TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_TASK_QUEUE: suite.stack.taskQueue, WEBHOOK_RETRY_SCHEDULE: '10m',
    });
  };
  const payloadsOf = (channelID: string, userID: number) =>
    suite.receiver.events.map((e) => e.payload as Payload).filter((p) => p.channelID === channelID && p.userID === userID);
  const from = (channelID: string, userID: number) => (e: { payload: unknown }) => (e.payload as Payload).channelID === channelID && (e.payload as Payload).userID === userID;

  it('ends a live run and starts a fresh one that keeps seq, the pending delivery and the bot at its question', async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const post = (message: string, userID?: number) => suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message, userID });
    suite.receiver.respond = (event) => ((event.payload as Payload).message === 'Tea or coffee?' ? 500 : undefined);
    const { body } = await post('drinks');
    const userID = body.userID!;
    await suite.receiver.waitFor(1, from(channel.channelID, userID));
    suite.receiver.respond = () => undefined;

    const result = await recover(channel.channelID, userID);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.json.stateQueried, true);
    assert.equal(result.json.redeliveries, 1);
    assert.equal(result.json.nextSeq, 2);
    assert.deepEqual(result.json.bot, { botId: channel.botId, version: 1, node: 'ask' });
    assert.notEqual(result.json.runId, result.json.endedRunId);

    await suite.receiver.waitFor(2, from(channel.channelID, userID));
    await post('Tea', userID);
    await suite.receiver.waitFor(4, from(channel.channelID, userID));
    const delivered = payloadsOf(channel.channelID, userID);
    assert.deepEqual(delivered.map((p) => [p.seq, p.message]).slice(1), [[1, 'Tea or coffee?'], [2, 'Here is your Tea.'], [3, `Bye user ${userID} of ${channel.channelID}`]]);
  });

  it('replaces a run whose every workflow task fails, and the user is answered again with seq past the log', async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const post = (message: string, userID?: number) => suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message, userID });
    const { body } = await post('drinks');
    const userID = body.userID!;
    await suite.receiver.waitFor(1, from(channel.channelID, userID));
    await eventually(async () => assert.ok(await Delivery.exists({ channelKey: new Types.ObjectId(channel.channelKey), userID, state: 'delivered' })));

    // A wedged run: its carried state makes every workflow task throw, so it answers neither queries nor messages.
    const workflowId = sessionWorkflowId(channel.channelKey, userID);
    const wedged = { ...({ channelKey: channel.channelKey, userID, channelID: channel.channelID, idleTimeoutMs: 3_600_000 } satisfies SessionInput), carried: { inbox: null } };
    await suite.stack.client.workflow.start(SESSION_WORKFLOW_TYPE, { workflowId, taskQueue: suite.stack.taskQueue, args: [wedged], workflowIdConflictPolicy: 'TERMINATE_EXISTING' });
    await post('hello?', userID);
    const { client } = suite.stack;
    await assert.rejects(client.connection.withDeadline(Date.now() + 5_000, () => client.workflow.getHandle(workflowId).query(stateQuery)));

    const result = await recover(channel.channelID, userID);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.json.stateQueried, false);
    assert.equal(result.json.nextSeq, 2, 'past seq 1 in the delivery log');
    await post('drinks', userID);
    await suite.receiver.waitFor(2, from(channel.channelID, userID));
    assert.deepEqual(payloadsOf(channel.channelID, userID).map((p) => p.seq), [1, 2]);
    await eventually(async () => assert.equal((await suite.stack.client.workflow.getHandle(workflowId).query(stateQuery)).node, 'ask'));
  });

  it('answers a JSON error for a user that was never issued', async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const result = await recover(channel.channelID, 999);
    assert.equal(result.code, 1);
    assert.equal((result.json.error as { code: string }).code, 'user_not_found');
  });
});
