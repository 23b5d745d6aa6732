import assert from 'node:assert/strict';
import { Connection } from '@temporalio/client';
import type { ReceivedEvent } from '../../src/webhooks/listener';
import { DeliveryAudit } from '../../src/webhooks/audit';
import { sessionWorkflowId } from '../../workflows/definitions';
import { eventually } from '../helpers/eventually';
import { sendMessage } from './replicas';
import { NAMESPACE } from './servers';
import { startClusterStack, type ApiReplica, type ClusterStack } from './stack';
import { sharesRateBudget, findsSessionsThroughSqlVisibility } from './checks';

const USERS = 8;
const MESSAGES = 8;
const REPLY_TIMEOUT_MS = 180_000;

interface Reply { userID: number; seq: number; message: string; webhookId: string }
const replyOf = (event: ReceivedEvent): Reply => ({ ...(event.payload as Omit<Reply, 'webhookId'>), webhookId: event.webhookId });

describe('Parley on a Temporal cluster (PostgreSQL persistence, SQL visibility): two APIs, two workers, failures between', function () {
  this.timeout(20 * 60_000);
  let stack: ClusterStack;
  const users: { userID: number; sent: string[] }[] = [];

  before(async () => {
    stack = await startClusterStack();
  });
  after(async () => {
    await stack?.stop();
  });

  it('sets up both schemas at the server version and registers all four session search attributes', async () => {
    // go.temporal.io/server@v1.29.7 schema/postgresql/v12/version.go: Version 1.18, VisibilityVersion 1.9.
    assert.equal(await stack.servers.postgres.sql('temporal', 'select curr_version from schema_version'), '1.18');
    assert.equal(await stack.servers.postgres.sql('temporal_visibility', 'select curr_version from schema_version'), '1.9');
    assert.deepEqual([...stack.servers.registered].sort(), ['BotId', 'ChannelKey', 'SessionStatus', 'UserId']);
  });

  it('answers every accepted message exactly once, in order, without a gap, across a worker kill, an API kill and a Temporal restart', async () => {
    const { channel, receiver, replicas } = stack;
    const replies = () => receiver.events.map(replyOf);
    const answered = (userID: number, text: string) => replies().some((r) => r.userID === userID && r.message === `echo: ${text}`);
    let sendRetries = 0;
    const send = async (message: string, userID?: number) => {
      const accepted = await sendMessage(replicas, { channelID: channel.channelID, token: channel.token, message, ...(userID ? { userID } : {}) });
      sendRetries += accepted.attempts - 1;
      return accepted.userID;
    };
    const converse = async (u: number) => {
      const userID = await send('#echo');
      const user = { userID, sent: [] as string[] };
      users.push(user);
      await receiver.waitFor(1, (e) => replyOf(e).userID === userID && replyOf(e).message === 'echo: ', REPLY_TIMEOUT_MS);
      for (let i = 1; i <= MESSAGES; i++) {
        const text = `u${u}-m${i}`;
        await send(text, userID);
        user.sent.push(text);
        await receiver.waitFor(1, (e) => answered(userID, text) && replyOf(e).message === `echo: ${text}`, REPLY_TIMEOUT_MS);
      }
    };
    const total = USERS * (MESSAGES + 1);
    const failovers: string[] = [];
    const chaos = async () => {
      const distinctReplies = () => new Set(replies().map((r) => `${r.userID}/${r.seq}`)).size;
      await eventually(async () => assert.ok(distinctReplies() >= total * 0.25), REPLY_TIMEOUT_MS, 50);
      failovers.push(await killWorkerMidDelivery(stack));
      await eventually(async () => assert.ok(distinctReplies() >= total * 0.5), REPLY_TIMEOUT_MS, 50);
      let victim: ApiReplica | undefined;
      await eventually(async () => assert.ok((victim = replicas.find((replica) => !replica.down && replica.inFlight > 0))), 60_000, 1);
      const cut = victim!.inFlight;
      process.kill(victim!.process.pid, 'SIGKILL'); // mid-burst: requests to it are in flight
      victim!.down = true;
      failovers.push(`API ${victim!.baseUrl} SIGKILL with ${cut} request(s) in flight`);
      await stack.startApi();
      await eventually(async () => assert.ok(distinctReplies() >= total * 0.7), REPLY_TIMEOUT_MS, 50);
      await stack.servers.temporal.restart();
      failovers.push('Temporal server restarted (SIGTERM, start on the same databases)');
    };
    await Promise.all([...Array.from({ length: USERS }, (_, u) => converse(u)), chaos()]);

    const audit = new DeliveryAudit();
    for (const event of receiver.events) audit.check(event.webhookId, event.payload);
    const distinct = new Map(replies().map((r) => [r.webhookId, r]));
    for (const user of users) {
      const mine = [...distinct.values()].filter((r) => r.userID === user.userID).sort((a, b) => a.seq - b.seq);
      assert.deepEqual(mine.map((r) => r.message), ['echo: ', ...user.sent.map((text) => `echo: ${text}`)], `user ${user.userID}: each message answered once, in order`);
      assert.deepEqual(mine.map((r) => r.seq), mine.map((_, i) => i + 1), `user ${user.userID}: seq 1..n without a gap`);
    }
    const answers = new Map<string, number>();
    for (const r of distinct.values()) answers.set(`${r.userID}/${r.message}`, (answers.get(`${r.userID}/${r.message}`) ?? 0) + 1);
    const answeredTwice = [...answers.values()].filter((n) => n > 1).length;
    assert.equal(answeredTwice, 0, 'no message answered under two webhook-ids');
    assert.equal(audit.totals.gaps, 0);
    assert.equal(audit.totals.outOfOrder, 0);
    assert.ok(receiver.events.every((e) => e.verified === true), 'every delivery signed with the channel secret');
    assert.equal(failovers.length, 3);
    console.log(`    cluster run: ${users.length * (MESSAGES + 1)} messages accepted, ${distinct.size} distinct replies, `
      + `${audit.totals.duplicates} same-id resends (at-least-once, deduplicated by webhook-id), ${answeredTwice} answered twice, `
      + `${audit.totals.gaps} gaps, ${audit.totals.outOfOrder} out of order, ${sendRetries} client retries; failovers survived: ${failovers.length}`);
    for (const failover of failovers) console.log(`      - ${failover}`);
  });

  it('shares one rate budget across both API processes', () => sharesRateBudget(stack));

  it('finds sessions by ChannelKey, UserId and SessionStatus through SQL visibility, with the queries the API and README use', () =>
    findsSessionsThroughSqlVisibility(stack, users.map((user) => user.userID)));
});

/** Holds webhooks until deliveries are in flight, then SIGKILLs the worker that runs one of them (by its identity). */
async function killWorkerMidDelivery(stack: ClusterStack): Promise<string> {
  stack.proxy.hold();
  try {
    await eventually(async () => assert.ok(stack.proxy.held().length >= 2), 60_000, 20);
    const connection = await Connection.connect({ address: stack.servers.temporal.address });
    try {
      const { userID } = stack.proxy.held()[0]!.payload;
      const workflowId = sessionWorkflowId(stack.channel.channelKey, userID!);
      let identity = '';
      await eventually(async () => {
        const described = await connection.workflowService.describeWorkflowExecution({ namespace: NAMESPACE, execution: { workflowId } });
        identity = described.pendingActivities?.find((a) => a.lastWorkerIdentity)?.lastWorkerIdentity ?? '';
        assert.ok(identity, `a pending activity on ${workflowId}`);
      }, 30_000, 100);
      const index = stack.workers.findIndex((worker) => identity.startsWith(`${worker.pid}@`));
      assert.ok(index >= 0, `worker ${identity} is one of ours`);
      await stack.workers[index]!.kill();
      await eventually(async () => assert.ok(stack.proxy.held().some((h) => h.senderGone)), 10_000, 20);
      await stack.startWorker();
      return `worker ${identity} SIGKILL with a delivery in flight (${stack.proxy.held().filter((h) => h.senderGone).length} held attempts lost their sender)`;
    } finally {
      await connection.close();
    }
  } finally {
    stack.proxy.release();
  }
}
