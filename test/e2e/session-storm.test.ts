import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import { channelWithBots, type BotsChannel } from '../../src/dev/fixtures';
import type { Flow } from '../../src/schemas/flow';
import type { ReplayReport } from '../../src/dev/replay-histories';
import { sessionWorkflowId, stateQuery } from '../../workflows/definitions';
import { eventually } from '../helpers/eventually';
import { exampleBot } from '../helpers/examples';
import { DRINKS_FLOW } from '../helpers/fixtures';
import { describeFailures, replayLiveHistories } from '../helpers/replay-live';
import { useStackWithReceiver } from '../helpers/stack';

const USERS = 12;
// 60 a second in all: what the Temporal UI and the dashboard's live transcript make while operators watch.
const QUERY_INTERVAL_MS = 200;
// Keyword starts and restarts mid-question, retries, a branch each way, the http node and the delay (during
// which a message is answered bot_busy).
const SCRIPT = [
  '#pizza', 'Large', 'drinks', 'Coffee', 'pizza', 'Small', 'two', '3',
  '#ticket', 'ann@example.com', 'still there?', 'Great', 'ticket', 'not an email', 'bob@example.com', 'Bad',
  '#Drinks', 'pizza', 'Large', '12',
];

/** Email → http (a local JSON server) → message → 1 s delay → rating → branch. */
const ticketFlow = (url: string): Flow => ({
  start: 'email',
  nodes: {
    email: { type: 'question', text: 'Your email?', saveAs: 'email', validate: { kind: 'email' }, retryText: 'An email, please.', next: 'lookup' },
    lookup: { type: 'http', method: 'POST', url, body: { email: '{{email}}' }, timeoutSeconds: 5, saveAs: 'ticket', next: 'opened', onError: 'offline' },
    opened: { type: 'message', text: 'Ticket {{ticket.id}} is open.', next: 'wait' },
    offline: { type: 'message', text: 'Tickets are down ({{ticket.error}}).', next: 'wait' },
    wait: { type: 'delay', seconds: 1, next: 'rate' },
    rate: { type: 'question', text: 'How did we do?', quickReplies: ['Great', 'Bad'], validate: { kind: 'choice' }, saveAs: 'rating', next: 'route' },
    route: { type: 'branch', cases: [{ if: { var: 'rating', equals: 'Great' }, next: 'thanks' }], else: 'sorry' },
    thanks: { type: 'end', text: 'Thanks!' },
    sorry: { type: 'end', text: 'Sorry to hear it.' },
  },
});

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/**
 * Issue 14: state queries made while sessions talk must not corrupt their histories. Every history the storm
 * leaves must replay, and every session must still answer once a fresh worker (empty cache) takes over.
 */
describe('a query storm over live conversations (real API, worker, Temporal, FerretDB)', function () {
  this.timeout(120_000);
  const suite = useStackWithReceiver();
  const tickets: Server = createServer((_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"id":"T-${Date.now() % 1000}"}`), 30);
  });
  let channel: BotsChannel;
  let userIDs: number[] = [];
  let workflowIds: string[] = [];

  const post = async (message: string, userID?: number) => {
    const answer = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message, userID });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.userID!;
  };
  const seqsOf = (userID: number) => suite.receiver.events
    .filter((e) => (e.payload as { channelID: string; userID: number }).channelID === channel.channelID && (e.payload as { userID: number }).userID === userID)
    .map((e) => (e.payload as { seq: number }).seq);

  /** A session that does not answer, with its workflow task's attempt and the last failure in its history. */
  const whyStuck = async (workflowId: string) => {
    const handle = suite.stack.client.workflow.getHandle(workflowId);
    const [{ raw }, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    const failed = (history.events ?? []).filter((event) => event.workflowTaskFailedEventAttributes).pop();
    const cause = failed?.workflowTaskFailedEventAttributes?.failure?.message?.split('\n')[0] ?? 'no failed workflow task';
    return `${workflowId}: workflow task attempt ${raw.pendingWorkflowTask?.attempt ?? 'none'}, ${cause}`;
  };

  before(async () => {
    tickets.listen(0, '127.0.0.1');
    await once(tickets, 'listening');
    const ticketsUrl = `http://127.0.0.1:${(tickets.address() as AddressInfo).port}/tickets`;
    channel = await channelWithBots(suite.receiver.url, {
      pizza: exampleBot('pizza-order').flow as Flow, drinks: DRINKS_FLOW, ticket: ticketFlow(ticketsUrl),
    }, 'enterprise');
    userIDs = await Promise.all(Array.from({ length: USERS }, () => post('hello')));
    workflowIds = userIDs.map((userID) => sessionWorkflowId(channel.channelKey, userID));
    const handles = workflowIds.map((id) => suite.stack.client.workflow.getHandle(id));

    let talking = true;
    const hardStop = Date.now() + 60_000;
    const queries = { made: 0, failed: 0 };
    const storm = Promise.all(handles.map((handle) => queryUntil(handle, () => talking && Date.now() < hardStop, queries)));
    const started = Date.now();
    await Promise.all(userIDs.map(async (userID) => {
      for (const text of SCRIPT) {
        await post(text, userID);
        await sleep(100 + Math.random() * 200);
      }
    }));
    // Queries go on until every reply is out: the replies' workflow tasks are queried too.
    await eventually(async () => {
      const views = await Promise.all(handles.map((handle) => handle.query(stateQuery)));
      assert.ok(views.every((view) => view.outboxPending === 0), 'replies still pending');
    }, 30_000, 250).catch(() => undefined); // a wedged session never gets there; the its below say which
    talking = false;
    await storm;
    console.log(`      ${queries.made} state queries in ${((Date.now() - started) / 1000).toFixed(1)} s (${queries.failed} failed)`);
  });
  after(() => {
    tickets.closeAllConnections();
    tickets.close();
  });

  it('leaves histories that all replay against the current workflow code', async () => {
    const report: ReplayReport & { runs: number } = await replayLiveHistories(suite.stack.client, workflowIds);
    assert.ok(report.runs >= USERS, `expected a run per session, found ${report.runs}`);
    assert.equal(report.replayed, report.runs);
    assert.equal(report.failures.length, 0, `${report.failures.length} of ${report.replayed} histories failed to replay:\n${describeFailures(report)}`);
  });

  it('answers the next message of every session from a fresh worker (no session wedged)', async () => {
    await suite.stack.restartWorker();
    const lastSeqs = userIDs.map((userID) => Math.max(0, ...seqsOf(userID)));
    // A little apart: a cold worker replaying every session at once can pass the 10 s workflow task timeout on a
    // busy machine, which is another way to wedge and not the one this test is about.
    for (const userID of userIDs) {
      await post('#drinks', userID);
      await sleep(250);
    }
    const unanswered = async () => userIDs.filter((userID, i) => !suite.receiver.events.some((e) => {
      const payload = e.payload as { channelID: string; userID: number; seq: number; message: string };
      return payload.channelID === channel.channelID && payload.userID === userID && payload.seq === lastSeqs[i]! + 1 && payload.message === 'Tea or coffee?';
    }));
    await eventually(async () => assert.deepEqual(await unanswered(), []), 30_000, 250).catch(() => undefined);
    const wedged = await Promise.all((await unanswered()).map((userID) => whyStuck(sessionWorkflowId(channel.channelKey, userID))));
    assert.equal(wedged.length, 0, `${wedged.length} of ${USERS} sessions never answered:\n${wedged.join('\n')}`);
  });
});

/**
 * Queries one session every QUERY_INTERVAL_MS while `going()` holds, without waiting for slow answers (as a
 * polling UI does), up to eight in flight; failures are counted, not thrown.
 */
async function queryUntil(handle: WorkflowHandle, going: () => boolean, queries: { made: number; failed: number }): Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  while (going()) {
    if (inFlight.size < 8) {
      queries.made++;
      const query: Promise<unknown> = handle.query(stateQuery).catch(() => queries.failed++).finally(() => inFlight.delete(query));
      inFlight.add(query);
    }
    await sleep(QUERY_INTERVAL_MS);
  }
  await Promise.all(inFlight);
}
