import assert from 'node:assert/strict';
import { Delivery } from '../../src/db/delivery';
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
});
