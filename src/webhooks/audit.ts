/** What a receiver can tell about one event from the ones before it. */
export interface AuditFinding {
  /** This webhook-id came before: a retry or a redelivery (Standard Webhooks: process it once). */
  duplicate?: true;
  /** seq numbers of this user that never arrived between the last one and this one. */
  missing?: { from: number; to: number };
  /** A new webhook-id whose seq is not above the user's last: sent out of order (or a redelivery). */
  outOfOrder?: { lastSeq: number };
}

/**
 * Checks a receiver's stream of events per (channelID, userID): duplicates by webhook-id, seq gaps and
 * order. Used by `webhook-listen` so an integrator sees at a glance whether delivery held its promises.
 */
export class DeliveryAudit {
  private readonly seen = new Set<string>();
  private readonly lastSeq = new Map<string, number>();
  readonly totals = { events: 0, duplicates: 0, gaps: 0, outOfOrder: 0 };

  check(webhookId: string, payload: unknown): AuditFinding {
    this.totals.events++;
    if (this.seen.has(webhookId)) {
      this.totals.duplicates++;
      return { duplicate: true };
    }
    this.seen.add(webhookId);
    const { channelID, userID, seq } = (payload ?? {}) as { channelID?: unknown; userID?: unknown; seq?: unknown };
    if (typeof seq !== 'number' || typeof userID !== 'number') return {};
    const user = `${String(channelID)}/${userID}`;
    const last = this.lastSeq.get(user);
    if (last !== undefined && seq <= last) {
      this.totals.outOfOrder++;
      return { outOfOrder: { lastSeq: last } };
    }
    this.lastSeq.set(user, seq);
    if (last !== undefined && seq > last + 1) {
      this.totals.gaps++;
      return { missing: { from: last + 1, to: seq - 1 } };
    }
    return {};
  }
}
