import { Bot } from '../db/bot';
import { Deployment } from '../db/deployment';
import { Conflict, NotFound } from '../api/errors';
import type { CreateDeployment } from '../schemas/management';
import type { AdminIdentity } from './accounts';
import { findOwnChannel } from './channels';

export async function deployBot(admin: AdminIdentity, channelID: string, input: CreateDeployment) {
  const channel = await findOwnChannel(admin, channelID);
  const bot = await Bot.findOne({ _id: input.botId, accountId: admin.accountId }, { status: 1 }).lean();
  if (!bot) throw new NotFound('bot_not_found', `no bot "${input.botId}"`);
  if (bot.status !== 'ready') throw new Conflict('bot_not_ready', 'only a ready bot can be deployed');
  if (input.default && (await Deployment.exists({ channelKey: channel._id, default: true }))) {
    throw new Conflict('default_taken', 'this channel already has a default deployment');
  }
  try {
    const deployment = await Deployment.create({
      channelKey: channel._id, botId: bot._id, keyword: input.keyword, default: input.default ?? false,
    });
    return { channelID, botId: input.botId, keyword: deployment.keyword, default: deployment.default };
  } catch (err) {
    if ((err as { code?: number }).code === 11000) throw new Conflict('keyword_taken', `"#${input.keyword}" is already deployed here`);
    throw err;
  }
}
