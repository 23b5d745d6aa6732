import { Types } from 'mongoose';
import { BotVersion } from '../src/db/bot';
import { Deployment } from '../src/db/deployment';
import { createTtlCache } from '../src/cache/ttl-cache';
import type { Flow } from '../src/schemas/flow';
import { createRouter } from '../src/services/routes';
import type { BotRef, BotSnapshot, MessageRoute } from '../workflows/definitions';


// Deployments change rarely and sessions ask on every keyword-shaped message: a redeploy applies within this.
const ROUTE_CACHE_MS = 500;

// Bot versions never change once saved; flows can be large, so only the recently started ones are kept.
const BOT_VERSION_CACHE = { ttlMs: 3_600_000, maxEntries: 200 };

/** One saved bot version (a regular activity, once per bot start): what a session pins when the bot starts. */
export function createLoadBotVersion() {
  const versions = createTtlCache<string, BotSnapshot | null>({ ...BOT_VERSION_CACHE, keep: Boolean });
  return async function loadBotVersion({ botId, version }: BotRef): Promise<BotSnapshot | null> {
    return versions.get(`${botId}@${version}`, async () => {
      const stored = await BotVersion.findOne({ botId: new Types.ObjectId(botId), version, status: 'ready' }, { flow: 1 }).lean();
      return stored ? { botId, version, flow: stored.flow as Flow } : null;
    });
  };
}

/** A message's route for sessions whose signal came without one (sent by an API older than MessageRoute). */
export function createRouteMessage() {
  const route = createRouter();
  return async function routeMessage({ channelKey, text }: { channelKey: string; text: string }): Promise<MessageRoute> {
    return route(channelKey, text);
  };
}

/** Whether the channel still deploys the bot (under any keyword): a deleted deployment stops its running bots. */
export function createIsDeployed() {
  const answers = createTtlCache<string, boolean>({ ttlMs: ROUTE_CACHE_MS, maxEntries: 10_000 });
  return async function isDeployed({ channelKey, botId }: { channelKey: string; botId: string }): Promise<boolean> {
    return answers.get(`${channelKey}/${botId}`, async () =>
      Boolean(await Deployment.exists({ channelKey: new Types.ObjectId(channelKey), botId: new Types.ObjectId(botId) })),
    );
  };
}
