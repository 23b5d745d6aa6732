import { Types } from 'mongoose';
import { BotVersion } from '../src/db/bot';
import { Deployment } from '../src/db/deployment';
import { createTtlCache } from '../src/cache/ttl-cache';
import type { Flow } from '../src/schemas/flow';
import { createRouter } from '../src/services/channels/routes';
import type { BotRef, BotSnapshot, MessageRoute } from '../workflows/definitions';

/** What the session's bot activities read: saved bot versions, deployments and routes. */
export interface BotStore {
  /** The flow of a saved version that is ready, null when there is none. */
  readyFlow(ref: BotRef): Promise<Flow | null>;
  isDeployed(channelKey: string, botId: string): Promise<boolean>;
  route(channelKey: string, text: string): Promise<MessageRoute>;
}

/** The store the worker uses: MongoDB (bot versions, deployments), routes from the API's router. */
export function mongoBotStore(): BotStore {
  return {
    readyFlow: async ({ botId, version }) =>
      ((await BotVersion.findOne({ botId: new Types.ObjectId(botId), version, status: 'ready' }, { flow: 1 }).lean())?.flow as Flow | undefined) ?? null,
    isDeployed: async (channelKey, botId) =>
      Boolean(await Deployment.exists({ channelKey: new Types.ObjectId(channelKey), botId: new Types.ObjectId(botId) })),
    route: createRouter(),
  };
}

// Deployments change rarely and sessions ask on every keyword-shaped message: a redeploy applies within this.
const ROUTE_CACHE_MS = 500;

// Bot versions never change once saved; flows can be large, so only the recently started ones are kept.
const BOT_VERSION_CACHE = { ttlMs: 3_600_000, maxEntries: 200 };

/** The bot activities: loading the version a session pins, routing, and whether a bot is still deployed. */
export function createBotActivities(store: BotStore = mongoBotStore()) {
  const versions = createTtlCache<string, BotSnapshot | null>({ ...BOT_VERSION_CACHE, keep: Boolean });
  const deployed = createTtlCache<string, boolean>({ ttlMs: ROUTE_CACHE_MS, refreshAfterMs: ROUTE_CACHE_MS / 2, maxEntries: 10_000 });
  return {
    /** One saved bot version (once per bot start): what a session pins when the bot starts. Misses are not cached. */
    async loadBotVersion(ref: BotRef): Promise<BotSnapshot | null> {
      return versions.get(`${ref.botId}@${ref.version}`, async () => {
        const flow = await store.readyFlow(ref);
        return flow ? { ...ref, flow } : null;
      });
    },
    /** A message's route for sessions whose signal came without one (sent by an API older than MessageRoute). */
    async routeMessage({ channelKey, text }: { channelKey: string; text: string }): Promise<MessageRoute> {
      return store.route(channelKey, text);
    },
    /** Whether the channel still deploys the bot (under any keyword): a deleted deployment stops its running bots. */
    async isDeployed({ channelKey, botId }: { channelKey: string; botId: string }): Promise<boolean> {
      return deployed.get(`${channelKey}/${botId}`, () => store.isDeployed(channelKey, botId));
    },
  };
}
