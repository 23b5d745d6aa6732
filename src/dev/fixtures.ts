import { Channel } from '../db/channel';
import type { Plan } from '../db/account';
import type { Flow } from '../schemas/flow';
import { authenticateApiKey, createAccount } from '../services/accounts';
import { createBot, validateBotSave } from '../services/bots';
import { createChannel } from '../services/channels/channels';
import { deployBot } from '../services/channels/deployments';

export interface BotsChannel {
  apiKey: string;
  channelID: string;
  token: string;
  webhookSecret: string;
  channelKey: string;
  /** The bot deployed under each keyword. */
  botIds: Record<string, string>;
}

/**
 * A new account (of `plan`) with one channel posting to `webhookUrl`, and one ready bot per keyword deployed on
 * it, built through the services as the management API would (for tests and the soak).
 */
export async function channelWithBots(webhookUrl: string, flows: Record<string, Flow>, plan: Plan = 'pro'): Promise<BotsChannel> {
  const { apiKey } = await createAccount({ name: `dev-${Math.random().toString(36).slice(2)}`, plan });
  const admin = await authenticateApiKey(apiKey);
  const channel = await createChannel(admin, { webhookUrl }, { allowPrivate: true });
  const botIds: Record<string, string> = {};
  for (const [keyword, flow] of Object.entries(flows)) {
    const { botId } = await createBot(admin, validateBotSave({ name: keyword, flow }, { draft: false, creating: true }));
    await deployBot(admin, channel.channelID, { botId, keyword });
    botIds[keyword] = botId;
  }
  const stored = await Channel.findOne({ channelID: channel.channelID }, { _id: 1 }).lean();
  return { apiKey, channelID: channel.channelID, token: channel.token, webhookSecret: channel.webhookSecret, channelKey: String(stored!._id), botIds };
}
