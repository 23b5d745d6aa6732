import type { Types } from 'mongoose';
import { pageOf, type PageQuery } from '../paging/pages';
import { Deployment } from '../../db/deployment';
import { Conflict, NotFound, UnknownReference } from '../../errors';
import type { CreateDeployment } from '../../schemas/management';
import type { DeploymentView, Page } from '../../schemas/views';
import type { AdminIdentity } from '../accounts';
import { findOwnBot } from '../bots';
import { findOwnChannel } from './channels';
import { isDuplicateKey } from '../../db/errors';

export async function deployBot(admin: AdminIdentity, channelID: string, input: CreateDeployment) {
  const channel = await findOwnChannel(admin, channelID);
  // The path names the channel; a botId of the body that names no bot is 422, so a 404 always means the channel.
  const bot = await findOwnBot(admin, input.botId).catch((err: unknown) => {
    throw err instanceof NotFound ? new UnknownReference('unknown_bot_id', [{ path: 'botId', message: `no bot "${input.botId}" in this account` }]) : err;
  });
  if (bot.readyVersion === null || bot.readyVersion === undefined) {
    throw new Conflict('bot_not_ready', 'this bot has only drafts; save a valid flow first');
  }
  if (input.default && (await Deployment.exists({ channelKey: channel._id, default: true }))) {
    throw new Conflict('default_taken', 'this channel already has a default deployment');
  }
  try {
    const deployment = await Deployment.create({
      channelKey: channel._id, botId: bot._id, keyword: input.keyword, default: input.default ?? false,
    });
    return { channelID, botId: input.botId, keyword: deployment.keyword, default: deployment.default };
  } catch (err) {
    if (isDuplicateKey(err)) throw new Conflict('keyword_taken', `"#${input.keyword}" is already deployed here`);
    throw err;
  }
}

/** The channel's deployments, oldest first, a page at a time. */
export async function listDeployments(admin: AdminIdentity, channelID: string, query: PageQuery): Promise<Page<'deployments', DeploymentView>> {
  const channel = await findOwnChannel(admin, channelID);
  type Row = { _id: Types.ObjectId; createdAt: Date; botId: Types.ObjectId; keyword: string; default: boolean };
  const { items, nextPageToken } = await pageOf<Row>((filter) => Deployment.find(filter), { channelKey: channel._id }, query, 1);
  const deployments = items.map(({ botId, keyword, default: isDefault, createdAt }) => ({ botId: String(botId), keyword, default: isDefault, createdAt }));
  return { deployments, ...(nextPageToken ? { nextPageToken } : {}) };
}

/** New messages stop routing to it at once (within the routing cache); bots already running finish their conversation. */
export async function deleteDeployment(admin: AdminIdentity, channelID: string, keyword: string): Promise<void> {
  const channel = await findOwnChannel(admin, channelID);
  const { deletedCount } = await Deployment.deleteOne({ channelKey: channel._id, keyword });
  if (deletedCount === 0) throw new NotFound('deployment_not_found', `no deployment "#${keyword}" on this channel`);
}
