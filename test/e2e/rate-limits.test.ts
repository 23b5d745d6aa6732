import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Types } from 'mongoose';
import { User } from '../../src/db/user';
import { authenticateApiKey, createAdmin } from '../../src/services/accounts';
import { freePort, startRedis, type RunningServer } from '../../src/dev/servers';
import { eventually } from '../helpers/eventually';
import { startApiProcess } from '../helpers/api-process';
import { adminApi } from '../helpers/admin-api';
import { channelWithBot, type ChannelFixture } from '../helpers/fixtures';
import { useStackWithReceiver } from '../helpers/stack';

interface Answer {
  status: number;
  headers: Headers;
  body: { success: boolean; error?: { code: string } };
}

async function post(baseUrl: string, body: unknown): Promise<Answer> {
  const response = await fetch(`${baseUrl}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

/** Users 1..n issued on the channel directly, so a test spends only the budgets it means to. */
async function issueUsers(channel: ChannelFixture, n: number): Promise<number[]> {
  const userIDs = Array.from({ length: n }, (_, i) => 1_000 + i);
  await User.insertMany(userIDs.map((userID) => ({ channelKey: new Types.ObjectId(channel.channelKey), userID })));
  return userIDs;
}

const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;

describe('rate limits (shared through Redis, real API processes)', function () {
  this.timeout(90_000);
  const suite = useStackWithReceiver();

  it('carries RateLimit-* headers on every answer that spends a budget, counting down', async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const [userID] = await issueUsers(channel, 1);
    const first = await post(suite.stack.baseUrl, { channelID: channel.channelID, token: channel.token, message: 'one', userID });
    const second = await post(suite.stack.baseUrl, { channelID: channel.channelID, token: channel.token, message: 'two', userID });
    assert.equal(first.status, 200);
    // The tighter of the two budgets is shown: the user's 5/s.
    assert.equal(first.headers.get('ratelimit-limit'), '5');
    assert.equal(Number(first.headers.get('ratelimit-remaining')) - Number(second.headers.get('ratelimit-remaining')), 1);
    assert.ok(Number(second.headers.get('ratelimit-reset')) >= 1);
    const admin = await adminApi(suite.stack.baseUrl, channel.apiKey)('GET', '/v1/channels');
    assert.equal(admin.status, 200);
  });

  it('refuses a chatty user with 429 rate_limited and Retry-After, without starving the channel', async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const [chatty, quiet] = await issueUsers(channel, 2);
    const send = (userID: number, i: number) => post(suite.stack.baseUrl, { channelID: channel.channelID, token: channel.token, message: `m${i}`, userID });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => send(chatty!, i)));
    const refused = answers.find((a) => a.status === 429);
    assert.ok(count(answers, 200) >= 10 && count(answers, 200) < 20, `chatty user: ${count(answers, 200)} accepted of 20`);
    assert.equal(refused?.body.error?.code, 'rate_limited');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal(refused.headers.get('ratelimit-remaining'), '0');
    assert.equal((await send(quiet!, 0)).status, 200, 'another user of the same channel still gets through');
  });

  it('limits the management API per account (10/s, burst 20), whichever of its keys calls', async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const { apiKey: secondKey } = await createAdmin(await authenticateApiKey(channel.apiKey), { name: 'second key' });
    const keys = [adminApi(suite.stack.baseUrl, channel.apiKey), adminApi(suite.stack.baseUrl, secondKey)];
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => keys[i % 2]!('GET', '/v1/bots')));
    const refused = answers.filter((a) => a.status === 429);
    // Per key, 20 each would all pass; the account's one budget refuses at least the 20 past its burst, less refills.
    assert.ok(refused.length >= 10, `${refused.length} of 40 refused`);
    assert.equal(refused[0]!.body.error.code, 'rate_limited');
    const other = await channelWithBot(suite.receiver.url);
    assert.equal((await adminApi(suite.stack.baseUrl, other.apiKey)('GET', '/v1/bots')).status, 200, 'another account has its own budget');
  });

  describe('two API processes', () => {
    const replicas: { baseUrl: string; stop(): Promise<void> }[] = [];
    before(async () => {
      replicas.push(...(await Promise.all([startApiProcess(suite.stack.taskQueue), startApiProcess(suite.stack.taskQueue)])));
    });
    after(async () => {
      await Promise.all(replicas.map((replica) => replica.stop()));
    });

    it('share one channel budget: a pro channel takes its burst of 40, not 40 per replica', async () => {
      const channel = await channelWithBot(suite.receiver.url);
      const userIDs = await issueUsers(channel, 20); // 5 messages each: within every user's own budget
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) =>
        post(replicas[i % 2]!.baseUrl, { channelID: channel.channelID, token: channel.token, message: `m${i}`, userID: userIDs[i % 20] })));
      const seconds = (performance.now() - started) / 1000;
      const accepted = count(answers, 200);
      const byReplica = [0, 1].map((r) => answers.filter((a, i) => i % 2 === r && a.status === 200).length);
      console.log(`      two replicas: ${accepted} of 100 accepted (${byReplica.join(' + ')}), ${count(answers, 429)} refused, in ${seconds.toFixed(2)} s`);
      assert.equal(accepted + count(answers, 429), 100, 'every answer is 200 or 429');
      // Exactly the burst, plus what the steady 20/s refills while the requests are in flight.
      assert.ok(accepted >= 40 && accepted <= 40 + Math.floor(seconds * 20), `${accepted} accepted in ${seconds.toFixed(2)} s`);
    });
  });

  describe('when the limiter\'s store cannot be reached', () => {
    const broken = useStackWithReceiver({ redisUrl: 'redis://127.0.0.1:1' }); // nothing listens on port 1

    it('answers 503 unavailable, lets nothing through, and keeps serving', async () => {
      const channel = await channelWithBot(broken.receiver.url);
      const body = { channelID: channel.channelID, token: channel.token, message: 'hi' };
      for (let i = 0; i < 3; i++) {
        const answer = await post(broken.stack.baseUrl, body);
        assert.equal(answer.status, 503);
        assert.equal(answer.body.error?.code, 'unavailable');
        assert.match(String((answer.body.error as { message?: string }).message), /rate limiter/);
        assert.equal(answer.headers.get('retry-after'), '1');
      }
      assert.equal((await adminApi(broken.stack.baseUrl, channel.apiKey)('GET', '/v1/bots')).status, 503);
      assert.equal((await fetch(`${broken.stack.baseUrl}/healthz`)).status, 200, 'the process is still up');
      assert.equal(await User.countDocuments({ channelKey: new Types.ObjectId(channel.channelKey) }), 0, 'no user was issued');
      const ready = await fetch(`${broken.stack.baseUrl}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(((await ready.json()) as { error: { message: string } }).error.message, /rate limiter/);
    });
  });

  describe('when Redis restarts', () => {
    let redis: RunningServer;
    let port: number;
    let logDir: string;
    before(async () => {
      port = await freePort();
      logDir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
      redis = await startRedis({ port, logDir });
    });
    after(async () => {
      await redis.stop();
      rmSync(logDir, { recursive: true, force: true });
    });
    const restarted = useStackWithReceiver(() => ({ redisUrl: `redis://127.0.0.1:${port}` })); // port is known once before() ran

    it('answers 503 while it is down and accepts again once it is back, without a restart of the API', async () => {
      const channel = await channelWithBot(restarted.receiver.url);
      const body = { channelID: channel.channelID, token: channel.token, message: 'hi' };
      assert.equal((await post(restarted.stack.baseUrl, body)).status, 200);
      await redis.stop();
      assert.equal((await post(restarted.stack.baseUrl, body)).status, 503);
      redis = await startRedis({ port, logDir });
      await eventually(async () => assert.equal((await post(restarted.stack.baseUrl, body)).status, 200), 10_000);
    });
  });
});
