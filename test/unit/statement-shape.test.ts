import assert from 'node:assert/strict';
import { Types } from 'mongoose';
import { statementShape } from '../../src/telemetry/tracing';

/** db.statement on MongoDB spans: the command's shape, never a value, and never a whole written document. */
describe('statementShape (db.statement of MongoDB spans)', () => {
  it('keeps a find filter\'s fields two levels deep and no value', () => {
    const shape = statementShape({ find: 'deliveries', filter: { channelKey: new Types.ObjectId(), userID: 5, seq: { $lt: 9 } }, limit: 3 });
    assert.equal(shape, '{"find":"?","filter":{"channelKey":"?","userID":"?","seq":"?"},"limit":"?"}');
  });

  it('shows an array as its length, so a written document (a payload, a token) never reaches the span', () => {
    const secret = 'whsec_do-not-trace';
    const shape = statementShape({ update: 'deliveries', updates: [{ q: { _id: 'msg_1' }, u: { $set: { payload: { message: secret } } } }], ordered: true });
    assert.equal(shape, '{"update":"?","updates":"[1]","ordered":"?"}');
    assert.ok(!statementShape({ insert: 'events', documents: [{ data: secret }], nested: { deeper: { token: secret } } }).includes(secret));
  });

  it('stops at objects that are not plain (ObjectId, Date, Buffer)', () => {
    assert.equal(statementShape({ filter: { at: new Date(0), body: Buffer.from('x') } }), '{"filter":{"at":"?","body":"?"}}');
  });
});
