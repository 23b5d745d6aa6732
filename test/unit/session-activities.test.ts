import assert from 'node:assert/strict';
import { createActivities } from '../../activities';
import type { BotStore } from '../../activities/load-flow';
import type { FailedDelivery, UndeliveredStore } from '../../activities/log-undelivered';
import type { SeqStore } from '../../activities/session-store';
import type { Flow } from '../../src/schemas/flow';
import type { OutboxEntry } from '../../workflows/definitions';

const FLOW: Flow = { start: 'hi', nodes: { hi: { type: 'end', text: 'Hi' } } };
const key = { channelKey: '0123456789abcdef01234567', userID: 7 };

/** The session's database activities over stores in memory: their rules, without a database. */
describe('session activities over injected stores (activities/, no database)', () => {
  function withStores(stores: { seq?: Partial<SeqStore>; bots?: Partial<BotStore>; undelivered?: Partial<UndeliveredStore> }) {
    const fail = (name: string) => () => Promise.reject(new Error(`${name} not expected`));
    return createActivities({
      allowPrivate: false,
      userAgent: 'test',
      stores: {
        seq: { savedNextSeq: fail('savedNextSeq'), lastLoggedSeq: fail('lastLoggedSeq'), saveNextSeq: fail('saveNextSeq'), ...stores.seq },
        bots: { readyFlow: fail('readyFlow'), isDeployed: fail('isDeployed'), route: fail('route'), ...stores.bots },
        undelivered: { channelIDOf: fail('channelIDOf'), logFailed: fail('logFailed'), ...stores.undelivered },
      },
    });
  }

  it('continues seq past both the saved value and the delivery log, and saves through the store', async () => {
    const saved: number[] = [];
    const cases: [number | null, number, number][] = [[null, 0, 1], [5, 0, 5], [5, 9, 10], [12, 3, 12]];
    for (const [savedNextSeq, last, expected] of cases) {
      const activities = withStores({ seq: { savedNextSeq: async () => savedNextSeq, lastLoggedSeq: async () => last, saveNextSeq: async (_k, n) => void saved.push(n) } });
      assert.deepEqual(await activities.loadNextSeq(key), { nextSeq: expected }, `saved ${savedNextSeq}, logged ${last}`);
      assert.equal(activities.loadSession, activities.loadNextSeq, 'the old name schedules the same activity');
      await activities.saveNextSeq({ ...key, nextSeq: expected });
    }
    assert.deepEqual(saved, [1, 5, 10, 12]);
  });

  it('keeps a loaded bot version, asks again for one that was missing, and caches "still deployed" briefly', async () => {
    const reads: string[] = [];
    let ready = false;
    const activities = withStores({
      bots: {
        readyFlow: async ({ botId, version }) => (reads.push(`${botId}@${version}`), ready ? FLOW : null),
        isDeployed: async (_channelKey, botId) => (reads.push(`deployed ${botId}`), botId === 'b1'),
      },
    });
    assert.equal(await activities.loadBotVersion({ botId: 'b1', version: 2 }), null);
    ready = true;
    assert.deepEqual(await activities.loadBotVersion({ botId: 'b1', version: 2 }), { botId: 'b1', version: 2, flow: FLOW });
    assert.deepEqual(await activities.loadBotVersion({ botId: 'b1', version: 2 }), { botId: 'b1', version: 2, flow: FLOW });
    assert.equal(await activities.isDeployed({ channelKey: key.channelKey, botId: 'b1' }), true);
    assert.equal(await activities.isDeployed({ channelKey: key.channelKey, botId: 'b1' }), true);
    assert.equal(await activities.isDeployed({ channelKey: key.channelKey, botId: 'b2' }), false);
    assert.deepEqual(reads, ['b1@2', 'b1@2', 'deployed b1', 'deployed b2']);
  });

  it('logs replies that could not be queued as failed deliveries with their seq, unless the channel is gone', async () => {
    const logged: FailedDelivery[] = [];
    let channelID: string | null = 'shop';
    const activities = withStores({ undelivered: { channelIDOf: async () => channelID, logFailed: async (_key, deliveries) => void logged.push(...deliveries) } });
    const entry: OutboxEntry = { webhookId: 'msg_r-4', seq: 4, reply: { text: 'Tea?', timestamp: 1_000, quickReplies: ['Tea'] } };
    await activities.logUndelivered({ ...key, entries: [entry], reason: 'outbox full' });
    assert.deepEqual(logged, [{
      webhookId: 'msg_r-4', userID: 7, seq: 4, at: new Date(1_000), error: 'outbox full',
      payload: { channelID: 'shop', message: 'Tea?', userID: 7, seq: 4, timestamp: 1_000, quickReplies: ['Tea'] },
    }]);
    channelID = null;
    await activities.logUndelivered({ ...key, entries: [entry], reason: 'outbox full' });
    assert.equal(logged.length, 1, 'nothing is logged for a deleted channel');
  });
});
