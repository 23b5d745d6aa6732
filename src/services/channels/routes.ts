import { Types } from 'mongoose';
import { Bot } from '../../db/bot';
import { Deployment } from '../../db/deployment';
import { createTtlCache } from '../../cache/ttl-cache';
import { keywordOf } from '../../../workflows/session-state';
import type { BotRef, MessageRoute } from '../../../workflows/definitions';

/** A channel's deployments as routing needs them: keyword → bot at its latest ready version. */
interface ChannelRoutes {
  byKeyword: Map<string, BotRef>;
  fallback: BotRef | null;
  deployedBotIds: string[];
}

// Deployments change rarely and every message is routed: a (re)deployment or a new ready version applies within this.
export const ROUTE_CACHE_MS = 500;

/**
 * Routes messages from a short-lived cache of each channel's deployments. The API routes every message it
 * accepts and hands the route to the session with the signal, so the session reads no database per message.
 */
export function createRouter() {
  const channels = createTtlCache<string, ChannelRoutes>({ ttlMs: ROUTE_CACHE_MS, refreshAfterMs: ROUTE_CACHE_MS / 2, maxEntries: 10_000 });
  return async function routeMessage(channelKey: string, text: string): Promise<MessageRoute> {
    const routes = await channels.get(channelKey, () => loadChannelRoutes(channelKey));
    const keyword = keywordOf(text);
    return { keyword: (keyword && routes.byKeyword.get(keyword)) || null, fallback: routes.fallback, deployedBotIds: routes.deployedBotIds };
  };
}

export type RouteMessage = ReturnType<typeof createRouter>;

async function loadChannelRoutes(channelKey: string): Promise<ChannelRoutes> {
  const deployments = await Deployment.find({ channelKey: new Types.ObjectId(channelKey) }, { botId: 1, keyword: 1, default: 1 }).lean();
  const botIds = [...new Set(deployments.map((d) => String(d.botId)))];
  const bots = await Bot.find({ _id: { $in: botIds.map((id) => new Types.ObjectId(id)) } }, { readyVersion: 1 }).lean();
  const readyVersion = new Map(bots.map((bot) => [String(bot._id), bot.readyVersion]));
  const refOf = (botId: string): BotRef | null => {
    const version = readyVersion.get(botId);
    return typeof version === 'number' ? { botId, version } : null;
  };
  const byKeyword = new Map<string, BotRef>();
  let fallback: BotRef | null = null;
  for (const deployment of deployments) {
    const ref = refOf(String(deployment.botId));
    if (!ref) continue;
    byKeyword.set(deployment.keyword, ref);
    if (deployment.default) fallback = ref;
  }
  return { byKeyword, fallback, deployedBotIds: botIds };
}
