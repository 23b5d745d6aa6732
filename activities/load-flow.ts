import { Types } from 'mongoose';
import { Bot } from '../src/db/bot';
import { Deployment } from '../src/db/deployment';
import type { Flow } from '../src/schemas/flow';
import type { BotSnapshot } from '../workflows/definitions';

export type LoadFlowInput = { channelKey: string } & ({ keyword: string } | { default: true });

/** The ready bot deployed on the channel under a keyword (or as its default), or null. */
export async function loadFlow(input: LoadFlowInput): Promise<BotSnapshot | null> {
  const channelKey = new Types.ObjectId(input.channelKey);
  const query = 'keyword' in input ? { channelKey, keyword: input.keyword } : { channelKey, default: true };
  const deployment = await Deployment.findOne(query, { botId: 1 }).lean();
  if (!deployment) return null;
  const bot = await Bot.findOne({ _id: deployment.botId, status: 'ready' }, { version: 1, flow: 1 }).lean();
  if (!bot) return null;
  return { botId: String(bot._id), version: bot.version, flow: bot.flow as Flow };
}
