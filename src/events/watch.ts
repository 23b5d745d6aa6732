import { Types } from 'mongoose';
import { Channel } from '../db/channel';
import { Event } from '../db/event';
import { readEvents, GAP_GRACE_MS } from './log';

/**
 * Wakes readers waiting for a channel's next events (long-poll, stream), whichever process wrote them.
 *
 * Where the database has change streams (MongoDB replica sets), one stream per API process watches the log's
 * inserts and wakes the waiters of each event's channel. Where it has none (FerretDB v1, a standalone MongoDB:
 * found out once, at the first wait), one poller per channel per process serves all of that channel's waiters:
 * every POLL_MS it reads the channel's cursor counter by _id (the one filter FerretDB serves from SQLite) and,
 * when it moved past what the poller has read, reads the new events once and wakes the waiters they concern. The
 * poller stops when its last waiter leaves.
 *
 * A waiter registers *before* it reads the log (`watch`), so an event stored between its read and its wait still
 * wakes it. A wake-up is a hint: the waiter reads again, and an event still settling (a channel read stops
 * before a fresh gap) wakes it again once the poller gets past it, or after GAP_GRACE_MS at the latest.
 */
export const POLL_MS = 200;

export interface Watcher {
  /**
   * Resolves true on the next event past `after` that concerns this watcher (or when it should read again), false
   * after `ms` without one or once closed.
   */
  wait(after: number, ms: number): Promise<boolean>;
  close(): void;
}

export interface EventWatch {
  /** Starts watching a channel (or one user of it); call before reading the log, close when done. */
  watch(channelKey: string, userID?: number): Watcher;
  /** Open pollers (poll mode) and waiters: a test checks that a client going away releases them. */
  stats(): { mode: Mode | 'unknown'; pollers: number; waiters: number };
  stop(): Promise<void>;
}

type Mode = 'changeStream' | 'poll';

interface Waiter {
  userID: number | undefined;
  after: number;
  wake: (() => void) | null;
  woken: boolean;
}

interface Poller {
  channelKey: string;
  waiters: Set<Waiter>;
  /** Everything up to here the poller has read (and woken waiters for); null until its first tick. */
  frontier: number | null;
  timer: NodeJS.Timeout | null;
  busy: boolean;
}

export function createEventWatch(options: { pollMs?: number; forceMode?: Mode } = {}): EventWatch {
  const pollMs = options.pollMs ?? POLL_MS;
  const channels = new Map<string, Poller>();
  let mode: Promise<Mode> | undefined;
  let known: Mode | undefined;
  let stream: { close(): Promise<void> } | undefined;
  let stopped = false;

  const modeOf = () => (mode ??= (options.forceMode ? Promise.resolve(options.forceMode) : detect()).then((m) => (known = m)));

  /** Opens the process's change stream; 'poll' when the database refuses one. */
  async function detect(): Promise<Mode> {
    try {
      const changes = Event.collection.watch([{ $match: { operationType: 'insert' } }], { fullDocument: 'default' });
      await changes.tryNext(); // sends the aggregate: refused at once where change streams are missing
      changes.on('change', (change: { fullDocument?: { channelKey?: Types.ObjectId; cursor?: number; userID?: number } }) => {
        const doc = change.fullDocument;
        if (doc?.channelKey) wakeFor(channels.get(String(doc.channelKey)), doc.cursor ?? 0, doc.userID);
      });
      // A stream that fails later falls back to polling for the rest of the process's life.
      changes.on('error', () => {
        known = 'poll';
        for (const poller of channels.values()) schedule(poller);
      });
      stream = changes;
      return 'changeStream';
    } catch {
      return 'poll';
    }
  }

  function wakeFor(poller: Poller | undefined, cursor: number, userID: number | undefined) {
    for (const waiter of poller?.waiters ?? []) {
      if (cursor > waiter.after && (waiter.userID === undefined || waiter.userID === userID)) wakeOne(waiter);
    }
  }

  function wakeOne(waiter: Waiter) {
    waiter.woken = true;
    waiter.wake?.();
  }

  function schedule(poller: Poller) {
    if (poller.timer || stopped || known !== 'poll' || poller.waiters.size === 0 || channels.get(poller.channelKey) !== poller) return;
    poller.timer = setTimeout(() => {
      poller.timer = null;
      void tick(poller).finally(() => schedule(poller));
    }, pollMs);
  }

  async function tick(poller: Poller) {
    const { channelKey } = poller;
    if (poller.busy || poller.waiters.size === 0) return;
    poller.busy = true;
    try {
      if (poller.frontier === null) {
        // Start from the lowest position a waiter has read to (one that has not read yet registered before its read).
        const read = [...poller.waiters].map((w) => w.after).filter((after) => after >= 0);
        if (read.length === 0) return;
        poller.frontier = Math.min(...read);
      }
      const channel = await Channel.findById(new Types.ObjectId(channelKey), { lastEventCursor: 1 }).lean();
      const last = channel?.lastEventCursor ?? 0;
      if (last <= poller.frontier) return;
      const { events, cursor } = await readEvents(channelKey, { after: String(poller.frontier), limit: 500 });
      for (const event of events) wakeFor(poller, Number(event.cursor), event.userID);
      poller.frontier = Number(cursor);
    } catch {
      // The next tick tries again; waiters time out meanwhile at worst.
    } finally {
      poller.busy = false;
    }
  }

  return {
    watch(channelKey, userID) {
      let poller = channels.get(channelKey);
      if (!poller) {
        poller = { channelKey, waiters: new Set(), frontier: null, timer: null, busy: false };
        channels.set(channelKey, poller);
      }
      const own = poller;
      // Until its first wait, any event wakes it: it registered before reading, so it has not seen them.
      const waiter: Waiter = { userID, after: -1, wake: null, woken: false };
      own.waiters.add(waiter);
      let closed = false;
      return {
        async wait(after, ms) {
          if (closed) return false;
          waiter.after = after;
          const current = await modeOf();
          schedule(own);
          if (waiter.woken || closed) {
            waiter.woken = false;
            return true;
          }
          // With change streams, a channel reader stopped at a fresh gap is woken by the next insert; this bounds its
          // wait when that gap never fills (the poller rereads a gap itself until it is past it).
          const recheck = current === 'changeStream' && userID === undefined && ms > GAP_GRACE_MS + pollMs;
          const woken = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => done(recheck), recheck ? GAP_GRACE_MS + pollMs : ms);
            function done(value: boolean) {
              clearTimeout(timer);
              waiter.wake = null;
              resolve(value);
            }
            waiter.wake = () => done(true);
          });
          waiter.woken = false;
          return woken;
        },
        close() {
          if (closed) return;
          closed = true;
          own.waiters.delete(waiter);
          waiter.wake?.();
          waiter.woken = false;
          if (own.waiters.size === 0) {
            if (own.timer) clearTimeout(own.timer);
            own.timer = null;
            channels.delete(channelKey);
          }
        },
      };
    },
    stats() {
      const waiters = [...channels.values()].reduce((n, p) => n + p.waiters.size, 0);
      const pollers = known === 'poll' ? channels.size : 0;
      return { mode: known ?? 'unknown', pollers, waiters };
    },
    async stop() {
      stopped = true;
      for (const poller of channels.values()) if (poller.timer) clearTimeout(poller.timer);
      channels.clear();
      await stream?.close().catch(() => undefined);
    },
  };
}
