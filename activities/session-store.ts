import { Types } from 'mongoose';
import { lastLoggedSeq } from '../src/db/delivery';
import { User } from '../src/db/user';

export interface SessionKey {
  channelKey: string;
  userID: number;
}

/** Where a user's webhook seq stands, between session runs. */
export interface SeqStore {
  /** What the last run that ended saved; null for a user no run saved yet. */
  savedNextSeq(key: SessionKey): Promise<number | null>;
  /** The highest seq in the user's delivery log, 0 when there is none. */
  lastLoggedSeq(key: SessionKey): Promise<number>;
  /** Keeps the highest value saved (a late save of an older run cannot lower it); never creates the user. */
  saveNextSeq(key: SessionKey, nextSeq: number): Promise<void>;
}

/** The store the worker uses: the User document and the delivery log. */
export const mongoSeqStore: SeqStore = {
  savedNextSeq: async ({ channelKey, userID }) =>
    (await User.findOne({ channelKey: new Types.ObjectId(channelKey), userID }, { nextSeq: 1 }).lean())?.nextSeq ?? null,
  lastLoggedSeq: ({ channelKey, userID }) => lastLoggedSeq(new Types.ObjectId(channelKey), userID),
  saveNextSeq: async ({ channelKey, userID }, nextSeq) => {
    // No upsert: a session whose userID was withdrawn (Temporal refused the first message) must not bring it back.
    await User.updateOne({ channelKey: new Types.ObjectId(channelKey), userID }, { $max: { nextSeq } });
  },
};

/** The seq activities: a fresh run loads where numbering goes on, a run that ends saves it. */
export function createSeqActivities(store: SeqStore = mongoSeqStore) {
  return {
    /**
     * Past the last seq logged as well as the one saved, so a run that was terminated or reset before it saved
     * never hands out a seq again.
     */
    async loadNextSeq(key: SessionKey): Promise<{ nextSeq: number }> {
      const [saved, last] = await Promise.all([store.savedNextSeq(key), store.lastLoggedSeq(key)]);
      return { nextSeq: Math.max(saved ?? 1, last + 1) };
    },
    async saveNextSeq({ nextSeq, ...key }: SessionKey & { nextSeq: number }): Promise<void> {
      await store.saveNextSeq(key, nextSeq);
    },
  };
}
