import { Types } from 'mongoose';
import { Account, type Plan } from '../../db/account';
import { Channel } from '../../db/channel';
import { ChannelDisabled, NotFound, PlanNotAllowed, TooManyListeners, Unauthorized } from '../../errors';
import { createTtlCache } from '../../cache/ttl-cache';
import { readEvents, type ReadResult } from '../../events/log';
import type { EventWatch } from '../../events/watch';
import { allowsApiChannels } from '../../plans';
import { secretsEqual } from '../../security/secrets';
import type { AuthFailures } from '../limits/auth-failures';
import { isLiveUser } from '../messages/users';

/**
 * Reading a channel's conversation log with its token (history, long-poll, stream): the token is checked as
 * POST /v1/messages checks it (constant time, the same failure budgets, the same answers for a free plan or a
 * disabled channel), and open long-polls and streams are capped per channel in this process.
 */
export interface EventReaders {
  /** The channel the token opens; throws 401/403/429 as POST /v1/messages does, 404 for a user never issued. */
  authenticate(credentials: ReaderCredentials, userID?: number): Promise<{ channelKey: string }>;
  /** One page, oldest first. */
  read(channelKey: string, query: { after?: string; limit: number; userID?: number }): Promise<ReadResult>;
  /** A page, waiting up to `waitMs` for one that is not empty; a closed `signal` ends the wait. */
  longPoll(channelKey: string, query: { after?: string; limit: number; userID?: number }, waitMs: number, signal: AbortSignal): Promise<ReadResult>;
  /** Takes one of the channel's listener places (429 past the cap); the answer gives it back. */
  listen(channelKey: string): () => void;
  readonly settings: EventReaderSettings;
}

export interface ReaderCredentials {
  channelID: string;
  token: string | undefined;
  address: string;
}

export interface EventReaderSettings {
  /** Open long-polls and streams per channel in one API process. */
  maxListenersPerChannel: number;
  /** A stream's heartbeat comment every this many ms (proxies close connections that stay silent). */
  heartbeatMs: number;
}

export const EVENT_READER_DEFAULTS: EventReaderSettings = { maxListenersPerChannel: 20, heartbeatMs: 15_000 };

interface ChannelAuth {
  channelKey: string;
  token: string;
  status: string;
  disabledReason?: string | null;
  plan: Plan | null;
  /** Part of the known-user cache key, so an erased user is refused within the channel cache's 500 ms. */
  usersErased: number;
}

const NO_TOKEN = 'x'.repeat(32);
const NO_ACCOUNT = new Types.ObjectId('000000000000000000000000');

export function createEventReaders(authFailures: AuthFailures, watch: EventWatch, given: Partial<EventReaderSettings> = {}): EventReaders {
  const settings = { ...EVENT_READER_DEFAULTS, ...given };
  // As intake's: unknown channels are cached too, so a guessed channelID costs what a real one does.
  const channels = createTtlCache<string, ChannelAuth | null>({ ttlMs: 500, refreshAfterMs: 250, maxEntries: 10_000 });
  const users = createTtlCache<string, boolean>({ ttlMs: 60_000, maxEntries: 100_000, keep: Boolean });
  const listeners = new Map<string, number>();

  return {
    settings,
    async authenticate({ channelID, token, address }, userID) {
      const channel = await channels.get(channelID, () => loadChannelAuth(channelID));
      const tokenMatches = secretsEqual(token ?? '', channel?.token ?? NO_TOKEN);
      const attempt = { channelID, address };
      if (!channel || !tokenMatches || token === undefined) {
        await authFailures.failed(attempt);
        throw new Unauthorized('unknown channelID or wrong token: send the channel token as "Authorization: Bearer <token>"');
      }
      await authFailures.admit(attempt);
      if (!allowsApiChannels(channel.plan) || !channel.plan) throw new PlanNotAllowed();
      if (channel.status === 'disabled') throw new ChannelDisabled(channel.disabledReason ?? undefined);
      const { channelKey } = channel;
      if (userID !== undefined) {
        const known = await users.get(`${channelKey}:${channel.usersErased}:${userID}`, () => isLiveUser(new Types.ObjectId(channelKey), userID));
        if (!known) throw new NotFound('user_not_found', 'this userID was never issued on this channel (or is erased)');
      }
      return { channelKey };
    },

    read: (channelKey, query) => readEvents(channelKey, query),

    async longPoll(channelKey, query, waitMs, signal) {
      const deadline = Date.now() + waitMs;
      const watcher = watch.watch(channelKey, query.userID);
      const abort = () => watcher.close();
      signal.addEventListener('abort', abort);
      try {
        for (;;) {
          const page = await readEvents(channelKey, query);
          const left = deadline - Date.now();
          if (page.events.length > 0 || left <= 0 || signal.aborted) return page;
          await watcher.wait(Number(page.cursor), left);
        }
      } finally {
        signal.removeEventListener('abort', abort);
        watcher.close();
      }
    },

    listen(channelKey) {
      const open = listeners.get(channelKey) ?? 0;
      if (open >= settings.maxListenersPerChannel) throw new TooManyListeners(settings.maxListenersPerChannel);
      listeners.set(channelKey, open + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (listeners.get(channelKey) ?? 1) - 1;
        if (left === 0) listeners.delete(channelKey);
        else listeners.set(channelKey, left);
      };
    },
  };
}

async function loadChannelAuth(channelID: string): Promise<ChannelAuth | null> {
  const channel = await Channel.findOne({ channelID }, { token: 1, accountId: 1, status: 1, disabledReason: 1, usersErased: 1 }).lean();
  // The account is looked up for an unknown channel as well: both paths make the same two queries.
  const account = await Account.findById(channel?.accountId ?? NO_ACCOUNT, { plan: 1 }).lean();
  if (!channel) return null;
  return { channelKey: String(channel._id), token: channel.token, status: channel.status, disabledReason: channel.disabledReason, plan: account?.plan ?? null, usersErased: channel.usersErased ?? 0 };
}
