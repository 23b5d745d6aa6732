import { webhookEventsOf } from '../../events/types';
import { Account } from '../../db/account';
import { Channel } from '../../db/channel';
import { ChannelLimit, Conflict, NotFound, ParleyError, PlanNotAllowed, Unavailable } from '../../errors';
import { ForbiddenAddressError, resolveAllowed } from '../../outbound/address-guard';
import type { CreateChannel } from '../../schemas/management';
import { generateChannelID, generateChannelToken, generateWebhookSecret } from '../../security/secrets';
import { PLAN_LIMITS } from '../../plans';
import type { AdminIdentity } from '../accounts';
import { isDuplicateKey } from '../../db/errors';


export interface CreatedChannel {
  channelID: string;
  token: string;
  webhookSecret: string;
  webhookUrl: string;
  webhookEvents: string[];
  status: string;
  createdAt: string;
}

/** Where webhooks may point: OUTBOUND_ALLOW_PRIVATE (dev and tests) lets loopback and private networks through. */
export interface WebhookPolicy {
  allowPrivate: boolean;
}

/**
 * Refuses, at save time, a webhook URL the worker would refuse to call (400 `webhook_url_forbidden`), or one whose
 * host does not resolve (400 `webhook_url_unresolvable`). The worker checks again at every attempt.
 */
export async function checkWebhookUrl(webhookUrl: string, { allowPrivate }: WebhookPolicy, path = 'webhookUrl'): Promise<void> {
  if (allowPrivate) return;
  try {
    await resolveAllowed(new URL(webhookUrl), { allowPrivate });
  } catch (err) {
    if (err instanceof ForbiddenAddressError) throw new ParleyError('webhook_url_forbidden', err.message, [{ path, message: err.message }]);
    const code = (err as { code?: string }).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') {
      const message = `${new URL(webhookUrl).hostname} does not resolve`;
      throw new ParleyError('webhook_url_unresolvable', message, [{ path, message }]);
    }
    throw new Unavailable('DNS');
  }
}

export async function createChannel(admin: AdminIdentity, input: CreateChannel, policy: WebhookPolicy): Promise<CreatedChannel> {
  const account = await Account.findById(admin.accountId, { plan: 1 }).lean();
  if (!account) throw new NotFound();
  const limit = PLAN_LIMITS[account.plan].apiChannels;
  if (limit === 0) throw new PlanNotAllowed();
  if (limit !== null && (await Channel.countDocuments({ accountId: admin.accountId })) >= limit) {
    throw new ChannelLimit(limit);
  }
  await checkWebhookUrl(input.webhookUrl, policy);
  try {
    const channel = await Channel.create({
      accountId: admin.accountId,
      channelID: input.channelID ?? generateChannelID(),
      token: input.token ?? generateChannelToken(),
      webhookUrl: input.webhookUrl,
      webhookSecret: generateWebhookSecret(),
      ...(input.webhookEvents ? { webhookEvents: input.webhookEvents } : {}),
    });
    const { channelID, token, webhookSecret, webhookUrl, status, createdAt } = channel;
    return { channelID, token, webhookSecret, webhookUrl, webhookEvents: webhookEventsOf(channel), status, createdAt: createdAt.toISOString() };
  } catch (err) {
    if (isDuplicateKey(err)) throw new Conflict('channel_id_taken', 'this channelID is taken');
    throw err;
  }
}

/** A channel of the admin's account by its public id; another account's channel is 404. */
export async function findOwnChannel(admin: AdminIdentity, channelID: string) {
  const channel = await Channel.findOne({ accountId: admin.accountId, channelID }).lean();
  if (!channel) throw new NotFound('channel_not_found', `no channel "${channelID}"`);
  return channel;
}
