import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Types } from 'mongoose';
import { Account } from '../../src/db/account';
import { Channel } from '../../src/db/channel';
import { appendEvents, type NewEvent } from '../../src/events/log';
import { createEventWatch } from '../../src/events/watch';
import { issueUser } from '../../src/services/messages/users';
import { channelWithBot, ROOT, type ChannelFixture } from '../helpers/fixtures';
import { getLog, openStream, until } from '../helpers/log-readers';
import { startStack, type Stack } from '../helpers/stack';

let n = 0;
const event = (userID: number, type = 'message.user'): NewEvent => ({ id: `readers-${Date.now()}-${n++}`, userID, type, data: { n }, at: Date.now() });

describe('reading the conversation log: history, long-poll, stream', function () {
  this.timeout(60_000);
  const watch = createEventWatch();
  let stack: Stack;
  let channel: ChannelFixture;
  let user: number;
  let other: number;
  let routes: { channel: string; user: string; channelStream: string; userStream: string };
  before(async () => {
    stack = await startStack({ eventWatch: watch, eventReaders: { maxListenersPerChannel: 2, heartbeatMs: 300 } });
    channel = await channelWithBot('http://127.0.0.1:9/hook');
    user = await issueUser(new Types.ObjectId(channel.channelKey));
    other = await issueUser(new Types.ObjectId(channel.channelKey));
    const base = `${stack.baseUrl}/v1/channels/${channel.channelID}`;
    routes = { channel: `${base}/events`, user: `${base}/users/${user}/events`, channelStream: `${base}/events/stream`, userStream: `${base}/users/${user}/events/stream` };
  });
  after(async () => {
    await stack?.stop();
    await watch.stop();
  });

  it('pages the channel and one user oldest first, continuing from the answered cursor', async () => {
    await appendEvents(channel.channelKey, [event(user), event(user)]);
    await appendEvents(channel.channelKey, [event(other)]);
    await appendEvents(channel.channelKey, [event(user, 'message.bot')]);
    const first = await getLog(`${routes.channel}?limit=2`, channel.token);
    assert.equal(first.status, 200);
    assert.equal(first.body.events.length, 2);
    const rest = await getLog(`${routes.channel}?after=${first.body.cursor}`, channel.token);
    const all = [...first.body.events, ...rest.body.events];
    assert.deepEqual(all.map((e) => e.userID), [user, user, other, user]);
    assert.deepEqual(all.map((e) => Number(e.cursor)), all.map((e) => Number(e.cursor)).sort((a, b) => a - b));
    const empty = await getLog(`${routes.channel}?after=${rest.body.cursor}`, channel.token);
    assert.deepEqual(empty.body, { events: [], cursor: rest.body.cursor });
    const mine = await getLog(routes.user, channel.token);
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.events, all.filter((e) => e.userID === user));
  });

  it('refuses a missing, wrong or unknown credential with 401 on every reader', async () => {
    for (const url of Object.values(routes)) {
      assert.equal((await getLog(url, undefined)).body.error?.code, 'unauthorized', url);
      const wrong = await getLog(url, `${channel.token}x`);
      assert.equal(wrong.status, 401, url);
      assert.equal(wrong.body.error?.code, 'unauthorized');
      assert.equal((await getLog(url.replace(channel.channelID, 'nosuchchannel'), channel.token)).status, 401, url);
      // An admin API key is not the channel's token.
      assert.equal((await getLog(url, channel.apiKey)).status, 401, url);
    }
  });

  it('refuses a bad cursor, limit, wait or Last-Event-ID with 400, and a user never issued with 404', async () => {
    for (const url of [routes.channel, routes.user]) {
      for (const query of ['after=abc', 'limit=0', 'limit=501', 'wait=31', 'wait=-1', 'nope=1']) {
        const answer = await getLog(`${url}?${query}`, channel.token);
        assert.equal(answer.status, 400, `${url}?${query}`);
        assert.equal(answer.body.error?.code, 'invalid_request');
      }
    }
    for (const url of [routes.channelStream, routes.userStream]) {
      assert.equal((await getLog(`${url}?after=x1`, channel.token)).status, 400, url);
      assert.equal((await getLog(url, channel.token, { headers: { 'last-event-id': 'not-a-cursor' } })).status, 400, url);
    }
    for (const url of [routes.user, routes.userStream]) {
      const answer = await getLog(url.replace(`/users/${user}/`, '/users/999999/'), channel.token);
      assert.equal(answer.status, 404);
      assert.equal(answer.body.error?.code, 'user_not_found');
    }
  });

  it('long-polls: answers at once when events exist, else holds until one is written, else answers empty with the same cursor', async () => {
    const { cursor } = (await getLog(routes.channel, channel.token)).body;
    const quiet = await getLog(`${routes.channel}?after=${cursor}&wait=1`, channel.token);
    assert.deepEqual(quiet.body, { events: [], cursor });

    const started = Date.now();
    const waiting = getLog(`${routes.channel}?after=${cursor}&wait=20`, channel.token);
    const userWaiting = getLog(`${routes.user}?after=${cursor}&wait=20`, channel.token);
    await until(() => watch.stats().waiters === 2, 'both long-polls waiting');
    await appendEvents(channel.channelKey, [event(other)]);
    await appendEvents(channel.channelKey, [event(user)]);
    const answer = await waiting;
    assert.equal(answer.status, 200);
    assert.equal(answer.body.events[0]!.userID, other);
    const userAnswer = await userWaiting;
    assert.deepEqual(userAnswer.body.events.map((e) => e.userID), [user], 'the user poll woke for its own event only');
    // Woken by the write, not by the wait running out.
    assert.ok(Date.now() - started < 15_000, `answered after ${Date.now() - started} ms`);
    const again = await getLog(`${routes.channel}?after=${cursor}&wait=20`, channel.token);
    assert.equal(again.body.events.length, 2, 'a reconnect with the old cursor gets exactly what it missed');
  });

  it('streams: id is the cursor, event the type, data the envelope; resumes after Last-Event-ID or ?after=', async () => {
    const { cursor } = (await getLog(routes.channel, channel.token)).body;
    const stream = openStream(`${routes.channelStream}?after=${cursor}`, channel.token);
    assert.equal(await stream.opened, 200);
    await appendEvents(channel.channelKey, [event(user, 'handoff.started'), event(user, 'handoff.ended')]);
    await until(() => stream.events.length === 2, 'two streamed events');
    assert.deepEqual(stream.events.map((e) => e.type), ['handoff.started', 'handoff.ended']);
    const [first, second] = stream.events as unknown as [{ id: string; data: { cursor: string; type: string } }, { id: string }];
    assert.equal(first.id, first.data.cursor);
    await stream.stop();

    // Resume after the first: only the second comes again.
    const resumed = openStream(routes.channelStream, channel.token, first.id);
    await until(() => resumed.events.length === 1, 'the resumed event');
    assert.equal(resumed.events[0]!.id, second.id);
    await resumed.stop();

    const userStream = openStream(`${routes.userStream}?after=${cursor}`, channel.token);
    await until(() => userStream.events.length === 2, 'the user stream');
    await appendEvents(channel.channelKey, [event(other), event(other)]);
    await appendEvents(channel.channelKey, [event(user)]);
    await until(() => userStream.events.length === 3, 'the user stream\'s new event');
    assert.ok(userStream.events.every((e) => (e.data as { userID: number }).userID === user));
    await userStream.stop();
  });

  it('sends a heartbeat comment on a quiet stream, and stops cleanly when the client goes', async () => {
    const gone = new AbortController();
    const response = await fetch(routes.channelStream + '?after=999999999', { headers: { authorization: `Bearer ${channel.token}` }, signal: gone.signal });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes(': heartbeat\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    assert.ok(text.startsWith('retry: 1000\n\n'));
    gone.abort();
    await until(() => watch.stats().waiters === 0, 'the stream released');
  });

  it('caps open streams and long-polls per channel with 429 too_many_listeners, and a client going away frees its place and poller', async () => {
    const { cursor } = (await getLog(routes.channel, channel.token)).body;
    const streams = [openStream(routes.channelStream, channel.token, cursor), openStream(routes.userStream, channel.token, cursor)];
    await Promise.all(streams.map((s) => s.opened));
    await until(() => watch.stats().waiters === 2, 'two waiting streams');
    assert.equal(watch.stats().pollers, watch.stats().mode === 'poll' ? 1 : 0, 'one poller shared by the channel\'s waiters');
    for (const url of [`${routes.channel}?wait=5`, `${routes.user}?wait=5`, routes.channelStream, routes.userStream]) {
      const refused = await getLog(url, channel.token);
      assert.equal(refused.status, 429, url);
      assert.equal(refused.body.error?.code, 'too_many_listeners');
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
    }
    assert.equal((await getLog(routes.channel, channel.token)).status, 200, 'a history read is not capped');
    await Promise.all(streams.map((s) => s.stop()));
    await until(() => watch.stats().waiters === 0 && watch.stats().pollers === 0, 'waiters and poller released');

    const gone = new AbortController();
    const polling = getLog(`${routes.channel}?after=${cursor}&wait=20`, channel.token, { signal: gone.signal }).catch(() => 'aborted');
    await until(() => watch.stats().waiters === 1, 'a waiting long-poll');
    gone.abort();
    assert.equal(await polling, 'aborted');
    await until(() => watch.stats().waiters === 0 && watch.stats().pollers === 0, 'the long-poll\'s poller released');
    assert.equal((await getLog(`${routes.channel}?wait=0`, channel.token)).status, 200);
  });

  it('answers a free plan and a disabled channel as POST /v1/messages does (403)', async () => {
    const account = (await Channel.findById(channel.channelKey).lean())!.accountId;
    await Account.updateOne({ _id: account }, { plan: 'free' });
    await new Promise((ok) => setTimeout(ok, 600)); // the channel cache's 500 ms
    for (const url of Object.values(routes)) assert.equal((await getLog(url, channel.token)).body.error?.code, 'plan_not_allowed', url);
    await Account.updateOne({ _id: account }, { plan: 'pro' });
    await Channel.updateOne({ _id: channel.channelKey }, { status: 'disabled', disabledReason: 'test' });
    await new Promise((ok) => setTimeout(ok, 600));
    for (const url of Object.values(routes)) assert.equal((await getLog(url, channel.token)).body.error?.code, 'channel_disabled', url);
    await Channel.updateOne({ _id: channel.channelKey }, { status: 'active' });
  });
});

describe('reading the conversation log while Redis is down', function () {
  this.timeout(60_000);
  let stack: Stack;
  after(async () => stack?.stop());

  it('answers 503 unavailable (the failed-token budgets cannot be checked)', async () => {
    stack = await startStack({ redisUrl: 'redis://127.0.0.1:1' }); // nothing listens on port 1
    const channel = await channelWithBot('http://127.0.0.1:9/hook');
    const userID = await issueUser(new Types.ObjectId(channel.channelKey));
    const base = `${stack.baseUrl}/v1/channels/${channel.channelID}`;
    for (const url of [`${base}/events`, `${base}/users/${userID}/events`, `${base}/events/stream`, `${base}/users/${userID}/events/stream`]) {
      const answer = await getLog(url, channel.token);
      assert.equal(answer.status, 503, url);
      assert.equal(answer.body.error?.code, 'unavailable');
    }
  });
});

describe('webhook-listen --pull (the CLI reading the stream)', function () {
  this.timeout(60_000);
  let stack: Stack;
  after(async () => stack?.stop());

  it('prints each event once with the audit of webhook-listen (a seq gap flagged), and its totals when stopped', async () => {
    stack = await startStack();
    const channel = await channelWithBot('http://127.0.0.1:9/hook');
    const userID = await issueUser(new Types.ObjectId(channel.channelKey));
    const reply = (seq: number): NewEvent => ({ id: `pull-${channel.channelKey}-${seq}`, userID, type: 'message.bot', seq, data: { seq }, at: Date.now() });
    await appendEvents(channel.channelKey, [reply(1), reply(2)]);
    const cli = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'webhook-listen', '--pull', '--channel', channel.channelID, '--user', String(userID)], {
      cwd: ROOT, env: { ...process.env, PARLEY_CHANNEL_TOKEN: channel.token, PARLEY_API_URL: stack.baseUrl },
    });
    try {
      let stdout = '';
      let stderr = '';
      cli.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const lines = () => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { webhookId: string; cursor: string; type: string; audit: Record<string, unknown> });
      await until(() => lines().length === 2, 'the two events written before it connected');
      // Written after the CLI connected: reaches it live; seq 3 never comes, so 4 is a gap.
      await appendEvents(channel.channelKey, [reply(4)]);
      await until(() => lines().length === 3, 'the event written while it reads', 10_000);
      assert.deepEqual(lines().map((l) => [l.webhookId, l.type, l.audit]), [
        [reply(1).id, 'message.bot', {}],
        [reply(2).id, 'message.bot', {}],
        [reply(4).id, 'message.bot', { missing: { from: 3, to: 3 } }],
      ]);
      assert.match(stderr, new RegExp(`warning: ${reply(4).id} `));
      cli.kill('SIGINT');
      const [code] = (await once(cli, 'exit')) as [number | null];
      assert.equal(code, 0, stderr);
      assert.deepEqual(JSON.parse(stderr.trim().split('\n').pop()!), { events: 3, duplicates: 0, gaps: 1, outOfOrder: 0 });
    } finally {
      cli.kill('SIGKILL');
    }
  });
});
