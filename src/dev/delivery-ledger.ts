import { DeliveryAudit } from '../webhooks/audit';
import { startWebhookListener, type ReceivedEvent } from '../webhooks/listener';
import { freePort } from './servers';

export interface LedgerTotals {
  /** Every request the receiver answered 2xx. */
  events: number;
  /** Distinct (user, seq) received: the replies delivered. */
  delivered: number;
  /** The same webhook-id again: a retry after the receiver had answered (at-least-once). */
  sameIdResends: number;
  /** A (user, seq) that came under more than one webhook-id: two different messages claim one place. */
  otherIdDuplicates: number;
  /** A new webhook-id whose seq is not above the user's last. */
  outOfOrder: number;
  /** Signatures that did not verify with the channel's secret. */
  unverified: number;
}

/**
 * A loopback webhook receiver that records every delivery per user: what a careful integrator would check
 * (src/webhooks/audit.ts for ids and order, plus seq bookkeeping for gaps and double-claimed seqs).
 */
export async function startDeliveryLedger() {
  let secret: string | undefined;
  const audit = new DeliveryAudit();
  const idsBySeq = new Map<number, Map<number, Set<string>>>();
  let unverified = 0;
  const record = (event: ReceivedEvent) => {
    if (event.verified === false) unverified++;
    audit.check(event.webhookId, event.payload);
    const { userID, seq } = (event.payload ?? {}) as { userID?: unknown; seq?: unknown };
    if (typeof userID !== 'number' || typeof seq !== 'number') return;
    const seqs = idsBySeq.get(userID) ?? idsBySeq.set(userID, new Map()).get(userID)!;
    (seqs.get(seq) ?? seqs.set(seq, new Set()).get(seq)!).add(event.webhookId);
  };
  const port = await freePort();
  const listener = await startWebhookListener({ port, secret: () => secret, onEvent: record });

  return {
    url: `http://127.0.0.1:${port}/hook`,
    /** The channel's secret, once it exists (the channel needs the receiver's URL first). */
    useSecret: (channelSecret: string) => {
      secret = channelSecret;
    },
    /** The highest seq received for a user, 0 before any. */
    lastSeq: (userID: number) => Math.max(0, ...(idsBySeq.get(userID)?.keys() ?? [])),
    /** Seqs of a user missing between 1 and `upTo` (by default the highest received). */
    missing: (userID: number, upTo?: number) => {
      const seqs = idsBySeq.get(userID) ?? new Map<number, Set<string>>();
      const last = upTo ?? Math.max(0, ...seqs.keys());
      return Array.from({ length: last }, (_, i) => i + 1).filter((seq) => !seqs.has(seq));
    },
    totals: (): LedgerTotals => {
      const perSeq = [...idsBySeq.values()].flatMap((seqs) => [...seqs.values()]);
      return {
        events: audit.totals.events,
        delivered: perSeq.length,
        sameIdResends: audit.totals.duplicates,
        otherIdDuplicates: perSeq.filter((ids) => ids.size > 1).length,
        outOfOrder: audit.totals.outOfOrder,
        unverified,
      };
    },
    close: () => listener.close(),
  };
}

export type DeliveryLedger = Awaited<ReturnType<typeof startDeliveryLedger>>;
