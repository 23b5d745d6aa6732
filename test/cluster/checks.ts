import assert from 'node:assert/strict';
import { Connection } from '@temporalio/client';
import { Types } from 'mongoose';
import { User } from '../../src/db/user';
import { adminApi } from '../helpers/admin-api';
import { eventually } from '../helpers/eventually';
import { NAMESPACE } from './servers';
import type { ClusterStack } from './stack';

/** 20 messages of one user at once, alternating between the two live APIs: one user budget (burst 10) in Redis for both. */
export async function sharesRateBudget(stack: ClusterStack): Promise<void> {
  const [first, second] = stack.replicas.filter((replica) => !replica.down);
  assert.ok(first && second, 'two live API replicas');
  const userID = 900_001;
  await User.create({ channelKey: new Types.ObjectId(stack.channel.channelKey), userID });
  const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${(i % 2 ? second : first).baseUrl}/v1/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channelID: stack.channel.channelID, token: stack.channel.token, message: `burst ${i}`, userID }),
    signal: AbortSignal.timeout(15_000),
  }).then((response) => response.status)));
  const accepted = statuses.filter((status) => status === 200).length;
  const refusedBy = (parity: number) => statuses.filter((status, i) => i % 2 === parity && status === 429).length;
  console.log(`    burst across both APIs: ${accepted} of 20 accepted, ${refusedBy(0)} + ${refusedBy(1)} refused (429) by the two replicas`);
  // A budget per process would take all 20 (10 each); one shared budget takes its burst of 10 plus what refills meanwhile (5/s).
  assert.ok(accepted >= 10 && accepted <= 14, `${accepted} of 20 accepted`);
  assert.equal(statuses.filter((status) => status !== 200 && status !== 429).length, 0, `only 200 or 429: ${statuses.join(',')}`);
}

/**
 * GET /v1/channels/:id/sessions (ChannelKey = "…" [AND SessionStatus = "…"]) on both APIs, and the README's
 * `ChannelKey = "…" AND UserId = n` and `SessionStatus = "bot" AND BotId = "…"` straight against visibility.
 */
export async function findsSessionsThroughSqlVisibility(stack: ClusterStack, userIDs: number[]): Promise<void> {
  assert.ok(userIDs.length > 0, 'the conversation test ran first');
  const { channel } = stack;
  for (const replica of stack.replicas.filter((r) => !r.down)) {
    const call = adminApi(replica.baseUrl, channel.apiKey);
    await eventually(async () => {
      const all = await call('GET', `/v1/channels/${channel.channelID}/sessions?limit=200`);
      assert.equal(all.status, 200, JSON.stringify(all.body));
      const listed = (all.body.sessions as { userID: number }[]).map((s) => s.userID);
      for (const userID of userIDs) assert.ok(listed.includes(userID), `user ${userID} listed by ${replica.baseUrl}`);
      const bot = await call('GET', `/v1/channels/${channel.channelID}/sessions?status=bot&limit=200`);
      const botUsers = (bot.body.sessions as { userID: number; status: string }[]);
      assert.ok(botUsers.every((s) => s.status === 'bot'));
      for (const userID of userIDs) assert.ok(botUsers.some((s) => s.userID === userID), `user ${userID} in status=bot`);
      const idle = await call('GET', `/v1/channels/${channel.channelID}/sessions?status=idle&limit=200`);
      for (const userID of userIDs) assert.ok(!(idle.body.sessions as { userID: number }[]).some((s) => s.userID === userID));
    }, 30_000, 250);
  }
  const connection = await Connection.connect({ address: stack.servers.temporal.address });
  try {
    const count = async (query: string) => (await connection.workflowService.listWorkflowExecutions({ namespace: NAMESPACE, query, pageSize: 100 })).executions?.length ?? 0;
    for (const userID of userIDs) assert.equal(await count(`ChannelKey = "${channel.channelKey}" AND UserId = ${userID}`), 1, `user ${userID}`);
    assert.equal(await count(`ChannelKey = "${channel.channelKey}" AND UserId = 123456789`), 0);
    assert.ok(await count(`SessionStatus = "bot" AND BotId = "${channel.botId}"`) >= userIDs.length);
    console.log(`    SQL visibility: ${userIDs.length} sessions found by ChannelKey/UserId/SessionStatus/BotId on both APIs and directly`);
  } finally {
    await connection.close();
  }
}
