import { webhookEventsOf } from '../../events/types';
import type { Client } from '@temporalio/client';
import type { Types } from 'mongoose';
import { pageOf, type PageQuery } from '../paging/pages';
import { Channel, MAX_PREVIOUS_SECRETS, previousSecretsAt, SECRET_ROTATION_OVERLAP_MS, signingSecrets } from '../../db/channel';
import { Deployment } from '../../db/deployment';
import { Conflict } from '../../errors';
import type { PatchChannel } from '../../schemas/management';
import type { ChannelView, Page } from '../../schemas/views';
import { generateWebhookSecret } from '../../security/secrets';
import { sendSignedWebhook, type SendOptions } from '../../webhooks/send';
import type { AdminIdentity } from '../accounts';
import { checkWebhookUrl, findOwnChannel, type WebhookPolicy } from './channels';
import { resumeWaitingDeliveries } from './deliveries';
import { isDuplicateKey } from '../../db/errors';

/** The account's channels, newest first, a page at a time, with how many deployments each has (one query for the page). */
export async function listChannels(admin: AdminIdentity, query: PageQuery): Promise<Page<'channels', ChannelView>> {
  const { items, nextPageToken } = await pageOf<ChannelRow>((filter) => Channel.find(filter), { accountId: admin.accountId }, query, -1);
  const counts = await Deployment.aggregate<{ _id: Types.ObjectId; n: number }>([
    { $match: { channelKey: { $in: items.map((c) => c._id) } } },
    { $group: { _id: '$channelKey', n: { $sum: 1 } } },
  ]);
  const deployments = new Map(counts.map(({ _id, n }) => [String(_id), n]));
  return { channels: items.map((c) => ({ ...publicView(c), deployments: deployments.get(String(c._id)) ?? 0 })), ...(nextPageToken ? { nextPageToken } : {}) };
}

export async function getChannel(admin: AdminIdentity, channelID: string): Promise<ChannelView & { token: string }> {
  const channel = await findOwnChannel(admin, channelID);
  return { ...publicView(channel), token: channel.token, deployments: await Deployment.countDocuments({ channelKey: channel._id }) };
}

/**
 * A new channelID or token is checked by every API replica within its 500 ms credentials cache. A new webhook URL
 * passes the SSRF check first. Re-enabling a disabled channel sends its waiting deliveries on, in order.
 */
export async function patchChannel(temporal: Client, policy: WebhookPolicy, admin: AdminIdentity, channelID: string, patch: PatchChannel) {
  const channel = await findOwnChannel(admin, channelID);
  if (patch.webhookUrl) await checkWebhookUrl(patch.webhookUrl, policy);
  const update = { ...patch, ...(patch.status === 'active' ? { $unset: { disabledReason: 1, failingSince: 1 } } : {}) };
  try {
    await Channel.updateOne({ _id: channel._id }, update);
  } catch (err) {
    if (isDuplicateKey(err)) throw new Conflict('channel_id_taken', 'this channelID is taken');
    throw err;
  }
  const resumed = patch.status === 'active' && channel.status !== 'active' ? await resumeWaitingDeliveries(temporal, channel._id) : undefined;
  return { ...(await getChannel(admin, patch.channelID ?? channelID)), ...(resumed !== undefined ? { sessionsResumed: resumed } : {}) };
}

/**
 * A new webhook secret. Every secret rotated out keeps signing for its own 24 h, so a second rotation within a day
 * drops nothing an integrator may still verify with. At most MAX_PREVIOUS_SECRETS sign beside the current one: a
 * rotation past that retires the oldest at once (a leaked secret must always be rotatable).
 * The write only lands if the secret is still the one read: of two concurrent rotations one wins, the other is 409.
 */
export async function rotateWebhookSecret(admin: AdminIdentity, channelID: string): Promise<{ webhookSecret: string; previousSecretValidUntil: string }> {
  const channel = await findOwnChannel(admin, channelID);
  const now = Date.now();
  const webhookSecret = generateWebhookSecret();
  const until = new Date(now + SECRET_ROTATION_OVERLAP_MS);
  const previousSecrets = [{ secret: channel.webhookSecret, until }, ...previousSecretsAt(channel, now)].slice(0, MAX_PREVIOUS_SECRETS);
  const { matchedCount } = await Channel.updateOne(
    { _id: channel._id, webhookSecret: channel.webhookSecret },
    { $set: { webhookSecret, previousSecrets }, $unset: { previousWebhookSecret: 1, previousSecretUntil: 1 } },
  );
  if (matchedCount === 0) throw new Conflict('secret_rotation_conflict', 'the secret was rotated at the same moment; read the channel and retry');
  return { webhookSecret, previousSecretValidUntil: until.toISOString() };
}

export interface WebhookTest {
  reachable: boolean;
  status?: number;
  latencyMs: number;
  error?: string;
  responseSnippet?: string;
}

/** A signed sample event, shaped like a real one and marked `test: true`; an unreachable webhook is an answer, not an error. */
export async function testWebhook(admin: AdminIdentity, channelID: string, options: SendOptions): Promise<WebhookTest> {
  const channel = await findOwnChannel(admin, channelID);
  const sample = { channelID: channel.channelID, message: 'This is a test event from Parley.', userID: 0, timestamp: Date.now(), seq: 0, test: true };
  const started = performance.now();
  try {
    const target = { webhookUrl: channel.webhookUrl, secrets: signingSecrets(channel, Date.now()) };
    const result = await sendSignedWebhook(target, `msg_test_${Date.now()}`, sample, options);
    return { reachable: result.ok, status: result.status, latencyMs: result.latencyMs, ...(result.snippet ? { responseSnippet: result.snippet } : {}) };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const error = err instanceof Error ? `${err.name === 'TimeoutError' ? 'timed out' : err.message}${cause ? ` (${cause})` : ''}` : String(err);
    return { reachable: false, latencyMs: Math.round(performance.now() - started), error };
  }
}

/** A ready-to-paste request for POST /v1/messages with this channel's real ID, token and first keyword. */
export async function requestExample(admin: AdminIdentity, channelID: string, baseUrl: string) {
  const channel = await findOwnChannel(admin, channelID);
  const first = await Deployment.findOne({ channelKey: channel._id }).sort({ createdAt: 1 }).lean();
  const url = `${baseUrl}/v1/messages`;
  const body = { channelID: channel.channelID, token: channel.token, message: first ? `#${first.keyword}` : 'Hello!' };
  const curl = `curl -X POST '${url}' -H 'content-type: application/json' -d '${JSON.stringify(body).replace(/'/g, "'\\''")}'`;
  return { url, body, curl };
}

/** What an admin sees of a channel; channelKey (immutable) is what sessions are searched by in the Temporal UI. */
type ChannelRow = { _id: Types.ObjectId; channelID: string; webhookUrl: string; webhookEvents?: string[] | null; status: ChannelView['status']; disabledReason?: string | null; createdAt: Date };

function publicView(c: ChannelRow): Omit<ChannelView, 'deployments'> {
  return {
    channelID: c.channelID, channelKey: String(c._id), webhookUrl: c.webhookUrl, webhookEvents: webhookEventsOf(c), status: c.status,
    ...(c.disabledReason ? { disabledReason: c.disabledReason } : {}), createdAt: c.createdAt,
  };
}
