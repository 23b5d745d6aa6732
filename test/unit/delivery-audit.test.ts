import assert from 'node:assert/strict';
import { DeliveryAudit } from '../../src/webhooks/audit';

describe('webhook-listen delivery audit', () => {
  const event = (seq: number, userID = 1, channelID = 'c1') => ({ channelID, userID, seq, message: 'm' });

  it('finds nothing in an in-order stream, per user', () => {
    const audit = new DeliveryAudit();
    const findings = [audit.check('a', event(1)), audit.check('b', event(1, 2)), audit.check('c', event(2)), audit.check('d', event(2, 2))];
    assert.deepEqual(findings, [{}, {}, {}, {}]);
  });

  it('reports a webhook-id seen before as a duplicate', () => {
    const audit = new DeliveryAudit();
    audit.check('a', event(1));
    assert.deepEqual(audit.check('a', event(1)), { duplicate: true });
    assert.equal(audit.totals.duplicates, 1);
  });

  it('reports the missing seq range of a gap, and a lower seq as out of order', () => {
    const audit = new DeliveryAudit();
    audit.check('a', event(1));
    assert.deepEqual(audit.check('b', event(4)), { missing: { from: 2, to: 3 } });
    assert.deepEqual(audit.check('c', event(3)), { outOfOrder: { lastSeq: 4 } });
    assert.deepEqual(audit.check('d', event(1, 1, 'other-channel')), {}, 'channels are separate');
    assert.deepEqual(audit.totals, { events: 4, duplicates: 0, gaps: 1, outOfOrder: 1 });
  });

  it('does not guess about the first event of a user it sees (the listener may start mid-stream)', () => {
    assert.deepEqual(new DeliveryAudit().check('a', event(9)), {});
  });
});
