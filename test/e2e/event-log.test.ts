import assert from 'node:assert/strict';
import { Channel } from '../../src/db/channel';
import { Event } from '../../src/db/event';
import { channelWithBots } from '../../src/dev/fixtures';
import { appendEvents, GAP_GRACE_MS, readEvents, sweepExpiredEvents, type LoggedEvent, type NewEvent } from '../../src/events/log';
import { testDatabase } from '../helpers/stack';

const message = (userID: number, n: number): NewEvent => ({ id: `u${userID}-m${n}`, userID, type: 'message.user', data: { n }, at: Date.now() });

/** Reads the whole channel log the way a poller does: page after page from its last cursor. */
async function readAll(channelKey: string, userID?: number): Promise<LoggedEvent[]> {
  const seen: LoggedEvent[] = [];
  let after: string | undefined;
  for (;;) {
    const { events, cursor } = await readEvents(channelKey, { after, limit: 7, ...(userID !== undefined ? { userID } : {}) });
    if (events.length === 0) return seen;
    seen.push(...events);
    after = cursor;
  }
}

describe('conversation log (FerretDB)', function () {
  this.timeout(60_000);
  let channelKey: string;
  before(async () => {
    await testDatabase();
    ({ channelKey } = await channelWithBots('http://127.0.0.1:9/hook', {}));
  });

  it('builds the indexes that ordered reads, user reads and expiry use', async () => {
    const keys = (await Event.collection.indexes()).map((index) => JSON.stringify(index.key));
    for (const expected of [{ channelKey: 1, cursor: 1 }, { channelKey: 1, userID: 1, cursor: 1 }, { expiresAt: 1 }]) {
      assert.ok(keys.includes(JSON.stringify(expected)), `missing ${JSON.stringify(expected)}; has ${keys.join(', ')}`);
    }
  });

  it('stores concurrent writers each once, every user in order, and reads the channel without loss', async () => {
    // Five users' sessions appending at once, each in order and waiting for its previous append.
    const users = [1, 2, 3, 4, 5];
    await Promise.all(users.map(async (userID) => {
      for (let n = 0; n < 12; n += 3) await appendEvents(channelKey, [message(userID, n), message(userID, n + 1), message(userID, n + 2)]);
    }));
    const all = await readAll(channelKey);
    assert.equal(all.length, 60);
    assert.equal(new Set(all.map((e) => e.id)).size, 60, 'an event read twice');
    const cursors = all.map((e) => Number(e.cursor));
    assert.deepEqual(cursors, [...cursors].sort((a, b) => a - b), 'channel order');
    for (const userID of users) {
      const mine = await readAll(channelKey, userID);
      assert.deepEqual(mine.map((e) => (e.data as { n: number }).n), [...Array(12).keys()], `user ${userID} order`);
      assert.deepEqual(mine, all.filter((e) => e.userID === userID));
    }
  });

  it('stores a retried append once, and a reader passes the cursor it left unused once that is old', async () => {
    const before = (await readEvents(channelKey, { limit: 1000 })).cursor;
    await appendEvents(channelKey, [message(9, 0), message(9, 1)]);
    const retried = await appendEvents(channelKey, [message(9, 0), message(9, 1), message(9, 2)]);
    assert.equal(retried, 1, 'only the new event is stored');
    const now = Date.now();
    const fresh = await readEvents(channelKey, { after: before, limit: 10 }, now);
    assert.deepEqual(fresh.events.map((e) => e.id), ['u9-m0', 'u9-m1'], 'stops at the unused cursor while it may still fill');
    const later = await readEvents(channelKey, { after: fresh.cursor, limit: 10 }, now + GAP_GRACE_MS);
    assert.deepEqual(later.events.map((e) => e.id), ['u9-m2']);
    assert.equal((await readEvents(channelKey, { userID: 9, limit: 10 }, now)).events.length, 3, "a user's read does not wait");
  });

  it('stores the rest of a long retried append, however many of its events were stored already', async () => {
    // An attempt's append stored its turn's events, then the worker died before the attempt completed: the
    // retried attempt carries them all again (a backlog makes that dozens), plus what came since.
    const batch = Array.from({ length: 30 }, (_, n) => message(11, n));
    assert.equal(await appendEvents(channelKey, batch), 30);
    const retried = await appendEvents(channelKey, [...batch, message(11, 30)]);
    assert.equal(retried, 1, 'only the new event is stored');
    assert.deepEqual((await readAll(channelKey, 11)).map((e) => (e.data as { n: number }).n), [...Array(31).keys()]);
  });

  it('takes no more cursors once the calling attempt is given up', async () => {
    const cursorNow = async () => (await Channel.findById(channelKey, { lastEventCursor: 1 }).lean())?.lastEventCursor ?? 0;
    await appendEvents(channelKey, [message(12, 0)]);
    const before = await cursorNow();
    // Given up while the first allocation was in use: its insert was refused (event 0 was in), so the append
    // would take cursors again for event 1.
    let checks = 0;
    const givenUp = { throwIfAborted: () => { if (++checks === 2) throw new Error('activity timed out'); } } as AbortSignal;
    await assert.rejects(appendEvents(channelKey, [message(12, 0), message(12, 1)], givenUp), /activity timed out/);
    assert.deepEqual([await cursorNow() - before, await Event.exists({ _id: 'u12-m1' })], [2, null], 'one allocation, and event 1 not stored');
  });

  it('answers nothing after the last cursor, and the same cursor again', async () => {
    const { cursor } = await readEvents(channelKey, { limit: 1000 }, Date.now() + GAP_GRACE_MS);
    assert.deepEqual(await readEvents(channelKey, { after: cursor, limit: 10 }), { events: [], cursor });
  });

  it('keeps events for the plan retention, and the sweep deletes them after it', async () => {
    await appendEvents(channelKey, [message(10, 0)]);
    const stored = await Event.findById('u10-m0').lean();
    const days = (stored!.expiresAt.getTime() - stored!.allocatedAt.getTime()) / 86_400_000;
    assert.equal(days, 30, 'pro keeps 30 days');
    await sweepExpiredEvents(new Date(stored!.expiresAt.getTime() - 1));
    assert.ok(await Event.exists({ _id: 'u10-m0' }), 'kept until it expires');
    assert.ok((await sweepExpiredEvents(new Date(stored!.expiresAt.getTime() + 1))) >= 1);
    assert.equal(await Event.exists({ _id: 'u10-m0' }), null);
  });

  it('stores nothing for a deleted channel', async () => {
    const { channelKey: gone } = await channelWithBots('http://127.0.0.1:9/hook', {});
    await Channel.deleteOne({ _id: gone });
    assert.equal(await appendEvents(gone, [message(1, 0)]), 0);
    assert.equal(await Event.countDocuments({ channelKey: gone }), 0);
  });
});
