import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { sessionWorkflowId } from '../../workflows/definitions';
import { channelWithBot } from '../helpers/fixtures';
import { useStackWithReceiver } from '../helpers/stack';

type Payload = { seq: number; userID: number; channelID: string; message: string };

/** What `temporal workflow reset` does to a session (README, "Terminate or reset a session safely"). */
describe('resetting a session (Temporal reset on the dev server, real API and worker)', function () {
  this.timeout(90_000);
  const suite = useStackWithReceiver();

  it("sends no seq twice after a new user's first run is reset: the reset run looks its seqs up and numbers past the log", async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const post = (message: string, userID?: number) => suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message, userID });
    const userID = (await post('drinks')).body.userID!;
    const mine = (e: { payload: unknown }) => (e.payload as Payload).channelID === channel.channelID && (e.payload as Payload).userID === userID;
    await suite.receiver.waitFor(1, mine);
    await post('Tea', userID);
    await suite.receiver.waitFor(3, mine);

    // Back to the end of the first workflow task: the reset run does the bot's start again, and the "Tea" signal
    // (reapplied after the reset point) again, under a new run id.
    const handle = suite.stack.client.workflow.getHandle(sessionWorkflowId(channel.channelKey, userID));
    const { runId } = await handle.describe();
    const history = await handle.fetchHistory();
    const firstTask = history.events!.find((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)!;
    await suite.stack.client.workflowService.resetWorkflowExecution({
      namespace: 'default', workflowExecution: { workflowId: handle.workflowId, runId }, reason: 'test', requestId: randomUUID(),
      workflowTaskFinishEventId: firstTask.eventId,
    });
    await suite.receiver.waitFor(6, mine);

    const delivered = suite.receiver.events.filter(mine);
    const idsBySeq = new Map<number, Set<string>>();
    for (const event of delivered) idsBySeq.set((event.payload as Payload).seq, (idsBySeq.get((event.payload as Payload).seq) ?? new Set()).add(event.webhookId));
    assert.deepEqual([...idsBySeq].filter(([, ids]) => ids.size > 1), [], 'a seq sent under two webhook-ids');
    assert.deepEqual(delivered.map((e) => (e.payload as Payload).seq).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);
    assert.notEqual((await handle.describe()).runId, runId, 'the session runs on as the reset run');
  });
});
