import assert from 'node:assert/strict';
import type { Flow } from '../../src/schemas/flow';
import type { LoggedEvent } from '../../src/events/log';
import { readEventStream } from '../../src/webhooks/event-stream';
import { startApiProcess } from '../helpers/api-process';
import { channelWithBot, type ChannelFixture } from '../helpers/fixtures';
import { getLog, until } from '../helpers/log-readers';
import { useStackWithReceiver } from '../helpers/stack';

/** Answers every message: "You said …", then asks again. */
const ECHO_FLOW: Flow = {
  start: 'ask',
  nodes: {
    ask: { type: 'question', text: 'Say something', saveAs: 'said', next: 'echo' },
    echo: { type: 'message', text: 'You said {{said}}', next: 'ask' },
  },
};

const USERS = 4;
const MESSAGES_PER_USER = 50; // 200 in all, the first of each user its bot's keyword

/** A small seeded generator, so a failing run can be repeated (its seed is in the failure). */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('a conversation read by long-poll and by stream across two API processes, with reconnects', function () {
  this.timeout(240_000);
  const suite = useStackWithReceiver();
  let second: { baseUrl: string; stop(): Promise<void> };
  let channel: ChannelFixture;
  const seed = Number(process.env.PARLEY_TEST_SEED ?? Date.now() % 100_000);
  const rand = random(seed);
  const between = (min: number, max: number) => min + Math.floor(rand() * (max - min));
  before(async () => {
    second = await startApiProcess(suite.stack.taskQueue);
    channel = await channelWithBot(suite.receiver.url, 'echo', 'enterprise', ECHO_FLOW);
  });
  after(async () => second?.stop());

  const replicas = () => [suite.stack.baseUrl, second.baseUrl];
  const logUrl = (base: string, path = '/events') => `${base}/v1/channels/${channel.channelID}${path}`;

  it('wakes a long-poll held on one replica for an event accepted through the other, well before its wait runs out', async () => {
    const { cursor } = (await getLog(logUrl(second.baseUrl), channel.token)).body;
    const started = Date.now();
    const polling = getLog(`${logUrl(second.baseUrl)}?after=${cursor}&wait=20`, channel.token);
    const sent = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: '#echo' });
    assert.equal(sent.status, 200);
    const answer = await polling;
    assert.equal(answer.status, 200);
    assert.equal(answer.body.events[0]?.type, 'message.user');
    assert.equal(answer.body.events[0]?.userID, sent.body.userID);
    assert.ok(Date.now() - started < 10_000, `woken after ${Date.now() - started} ms of a 20 s wait`);
  });

  it(`each reader sees every event exactly once, in order, and the webhook the same replies (seed ${seed})`, async () => {
    const { cursor: start } = (await getLog(logUrl(suite.stack.baseUrl), channel.token)).body;
    let done = false;

    // Long-poll: a random replica each time, cut at random points (before, during or after its answer).
    const polled: LoggedEvent[] = [];
    const pollCuts = { cut: 0, answered: 0 };
    const poller = (async () => {
      let cursor = start;
      while (!done) {
        const base = replicas()[between(0, 2)]!;
        try {
          const page = await getLog(`${logUrl(base)}?after=${cursor}&limit=${between(1, 40)}&wait=5`, channel.token, { signal: AbortSignal.timeout(between(50, 3_000)) });
          assert.equal(page.status, 200, JSON.stringify(page.body));
          polled.push(...page.body.events);
          cursor = page.body.cursor;
          pollCuts.answered++;
        } catch (err) {
          if ((err as Error).name !== 'TimeoutError') throw err;
          pollCuts.cut++;
        }
      }
    })();

    // Stream: a random replica each time, dropped after a random while, resumed with Last-Event-ID.
    const streamed: LoggedEvent[] = [];
    let streamCuts = 0;
    const streamer = (async () => {
      let last: string | undefined = start;
      while (!done) {
        const base = replicas()[between(0, 2)]!;
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), between(50, 2_500));
        await readEventStream({
          url: logUrl(base, '/events/stream'), token: channel.token, signal: controller.signal, retryMs: 50, ...(last === undefined ? {} : { lastEventId: last }),
          onEvent: ({ id, data }) => {
            streamed.push(data as LoggedEvent);
            last = id;
          },
        });
        clearTimeout(timer);
        streamCuts++;
      }
    })();

    // The conversation: each user's messages in order, alternately through the two replicas.
    const userIDs: number[] = [];
    await Promise.all([...Array(USERS).keys()].map(async (u) => {
      let userID: number | undefined;
      for (let m = 0; m < MESSAGES_PER_USER; m++) {
        const base = replicas()[(u + m) % 2]!;
        const body = { channelID: channel.channelID, token: channel.token, message: m === 0 ? '#echo' : `u${u} m${m}`, ...(userID === undefined ? {} : { userID }) };
        let answer = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        // Over a budget: wait as told and send it again, as a client does.
        while (answer.status === 429) {
          await new Promise((ok) => setTimeout(ok, Number(answer.headers.get('retry-after') ?? 1) * 1000));
          answer = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        }
        assert.equal(answer.status, 200, await answer.clone().text());
        userID ??= ((await answer.json()) as { userID: number }).userID;
      }
      userIDs.push(userID!);
    }));

    // Every reply reached the webhook: the keyword's question, then an echo and the question per message.
    const replies = USERS * (1 + (MESSAGES_PER_USER - 1) * 2);
    const ours = (payload: { userID?: number }) => userIDs.includes(payload.userID ?? -1);
    const webhook = await suite.receiver.waitFor(replies, (e) => ours(e.payload as { userID?: number }), 120_000);

    // The log, read whole once everything settled: the truth both readers must match.
    let log: LoggedEvent[] = [];
    const mine = (type: string) => log.filter((e) => e.type === type && userIDs.includes(e.userID)).length;
    for (const deadline = Date.now() + 60_000; mine('message.bot') !== replies || mine('message.user') !== USERS * MESSAGES_PER_USER;) {
      assert.ok(Date.now() < deadline, `the log has ${mine('message.bot')} replies and ${mine('message.user')} user messages`);
      await new Promise((ok) => setTimeout(ok, 200));
      log = [];
      for (let after = start; ;) {
        const page = (await getLog(`${logUrl(suite.stack.baseUrl)}?after=${after}&limit=500`, channel.token)).body;
        if (page.events.length === 0) break;
        log.push(...page.events);
        after = page.cursor;
      }
    }
    await until(() => polled.length >= log.length && streamed.length >= log.length, `both readers to catch up (long-poll ${polled.length}, stream ${streamed.length} of ${log.length})`, 60_000);
    done = true;
    await Promise.all([poller, streamer]);

    const ids = log.map((e) => e.id);
    assert.deepEqual(polled.map((e) => e.id), ids, 'the long-poll reader saw each event once, in order');
    assert.deepEqual(streamed.map((e) => e.id), ids, 'the stream reader saw each event once, in order');
    assert.ok(pollCuts.cut > 0 && streamCuts > 1, `readers were cut (long-poll ${pollCuts.cut}, stream ${streamCuts})`);

    // The webhook got the same replies: same users, seqs and texts.
    const key = (p: { userID?: number; seq?: number; message?: string }) => `${p.userID}:${p.seq}:${p.message}`;
    const fromLog = log.filter((e) => e.type === 'message.bot').map((e) => key(e.data as { userID: number; seq: number; message: string })).sort();
    const fromWebhook = [...new Set(webhook.map((e) => key(e.payload as { userID: number; seq: number; message: string })))].sort();
    assert.deepEqual(fromWebhook, fromLog);
  });
});
