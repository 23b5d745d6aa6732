import { Bot } from '../db/bot';
import type { CreateBot } from '../schemas/management';
import type { AdminIdentity } from './accounts';

/** The flow arrives validated (zod), so the new bot is ready to deploy. */
export async function createBot(admin: AdminIdentity, input: CreateBot): Promise<{ botId: string; version: number; status: string }> {
  const bot = await Bot.create({ accountId: admin.accountId, name: input.name, flow: input.flow, version: 1, status: 'ready' });
  return { botId: String(bot._id), version: bot.version, status: bot.status };
}
