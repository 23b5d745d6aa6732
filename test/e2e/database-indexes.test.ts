import assert from 'node:assert/strict';
import mongoose from 'mongoose';
import { Delivery } from '../../src/db/delivery';
import { Event } from '../../src/db/event';
import { testDatabase } from '../helpers/stack';

/** connectDatabase builds every model's indexes (Delivery's were once left out of the list and never built). */
describe('database indexes (FerretDB)', function () {
  this.timeout(60_000);
  before(testDatabase);

  it('builds the delivery log indexes that the log, redelivery and seq queries use', async () => {
    const keys = (await Delivery.collection.indexes()).map((index) => JSON.stringify(index.key));
    for (const expected of [
      { channelKey: 1, createdAt: -1, seq: -1, _id: -1 },
      { channelKey: 1, state: 1, createdAt: 1 },
      { channelKey: 1, userID: 1, seq: -1 },
    ]) {
      assert.ok(keys.includes(JSON.stringify(expected)), `missing ${JSON.stringify(expected)}; has ${keys.join(', ')}`);
    }
  });

  it('looks documents up by _id, one or a list, in the _id index (FerretDB, patched: scripts/ferretdb-id-index.patch)', async () => {
    // Unpatched, FerretDB v1 scanned the whole table for every lookup, update and delete by _id (a retried
    // append's look-up took a minute on a soak's log of 19,000 events), so a long log slowed every reply.
    const plan = async (filter: object) =>
      ((await mongoose.connection.db!.command({ explain: { find: Event.collection.collectionName, filter } })).queryPlanner as { Plan: string[] }).Plan.join(' ');
    assert.match(await plan({ _id: 'evt_a' }), /USING INDEX \S+__id_ /);
    assert.match(await plan({ _id: { $in: ['evt_a', 'evt_b'] } }), /USING INDEX \S+__id_ /);
    assert.match(await plan({ _id: { $in: ['evt_a', 7] } }), /SCAN/, 'a list that is not all ids is filtered by scanning, as before');

    const at = new Date();
    const doc = (id: string, cursor: number) => ({ _id: id, channelKey: new mongoose.Types.ObjectId(), cursor, userID: 1, type: 't', data: {}, at, allocatedAt: at, expiresAt: at });
    await Event.collection.insertMany([doc('idx-1', 1), doc('idx-2', 2), doc('idx-3', 3)] as never[]);
    const found = await Event.find({ _id: { $in: ['idx-3', 'missing', 'idx-1'] } }, { _id: 1 }).lean();
    assert.deepEqual(found.map((d) => d._id).sort(), ['idx-1', 'idx-3']);
    const mixed = await Event.collection.find({ _id: { $in: ['idx-2', 7] } } as never, { projection: { _id: 1 } }).toArray();
    assert.deepEqual(mixed.map((d) => d._id), ['idx-2']);
  });
});
