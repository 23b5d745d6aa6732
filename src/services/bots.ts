import { Types } from 'mongoose';
import { ForbiddenAddressError, resolveAllowed } from '../outbound/address-guard';
import type { WebhookPolicy } from './channels/channels';
import { Bot, BotVersion } from '../db/bot';
import { Deployment } from '../db/deployment';
import { pageOf, type PageQuery } from './paging/pages';
import { Conflict, InvalidFlow, NotFound, type ErrorDetail } from '../errors';
import { detailsOf, parseFlowOrThrow } from '../schemas/parse';
import { createBotSchema, createDraftBotSchema, draftBotSchema, updateBotSchema } from '../schemas/management';
import type { BotSummary, Page } from '../schemas/views';
import type { AdminIdentity } from './accounts';
import { isDuplicateKey } from '../db/errors';

export interface SavedBot {
  botId: string;
  name: string;
  version: number;
  status: 'draft' | 'ready';
  /** What keeps a draft from being ready. */
  problems?: ErrorDetail[];
}

export interface ValidatedSave {
  name?: string;
  flow: object;
  status: 'draft' | 'ready';
  problems?: ErrorDetail[];
}

/**
 * A valid flow is ready. One that can be stored (the document's body: 400 when it cannot) but is not a valid flow
 * is 422 invalid_flow with its problems, or kept as a draft with them when asked to.
 */
export function validateBotSave(body: unknown, { draft, creating }: { draft: boolean; creating: boolean }): ValidatedSave {
  const ready = (creating ? createBotSchema : updateBotSchema).safeParse(body);
  if (ready.success) return { ...ready.data, status: 'ready' };
  const stored = parseFlowOrThrow(creating ? createDraftBotSchema : draftBotSchema, body);
  const problems = detailsOf(ready.error);
  if (!draft) throw new InvalidFlow(problems);
  return { ...stored, status: 'draft', problems };
}

/**
 * A ready flow whose http node names a forbidden host outright (a literal URL, no template in the host) is refused
 * at save time, with the node's path; the worker checks every call again, templated ones included.
 */
export async function refuseForbiddenHttpNodes(save: ValidatedSave, policy: WebhookPolicy): Promise<void> {
  if (save.status !== 'ready' || policy.allowPrivate) return;
  const nodes = (save.flow as { nodes: Record<string, { type: string; url?: string }> }).nodes;
  const problems: ErrorDetail[] = [];
  for (const [id, node] of Object.entries(nodes)) {
    // "https://{{host}}/x" is only known at run time: the worker's check covers it.
    if (node.type !== 'http' || !node.url || (node.url.split('/')[2] ?? '').includes('{{')) continue;
    try {
      await resolveAllowed(new URL(node.url), { allowPrivate: false });
    } catch (err) {
      if (err instanceof ForbiddenAddressError) problems.push({ path: `flow.nodes.${id}.url`, message: err.message });
      // A host that does not resolve here may resolve where the worker runs: the call itself will tell.
    }
  }
  if (problems.length > 0) throw new InvalidFlow(problems, 'the flow calls a forbidden address');
}

export async function createBot(admin: AdminIdentity, save: ValidatedSave): Promise<SavedBot> {
  const botId = new Types.ObjectId();
  // The version first: until the Bot exists, a crash leaves nothing anyone can see.
  await BotVersion.create({ botId, version: 1, flow: save.flow, status: save.status });
  await Bot.create({
    _id: botId, accountId: admin.accountId, name: save.name, version: 1, status: save.status,
    readyVersion: save.status === 'ready' ? 1 : null,
  });
  return saved(String(botId), save.name!, 1, save);
}

/** Every save is a new version; sessions already running keep the version they pinned. */
export async function updateBot(admin: AdminIdentity, botId: string, save: ValidatedSave): Promise<SavedBot> {
  const bot = await findOwnBot(admin, botId);
  const latest = await BotVersion.findOne({ botId: bot._id }, { version: 1 }).sort({ version: -1 }).lean();
  const version = (latest?.version ?? 0) + 1;
  try {
    await BotVersion.create({ botId: bot._id, version, flow: save.flow, status: save.status });
  } catch (err) {
    if (isDuplicateKey(err)) throw new Conflict('bot_changed', 'the bot was saved at the same moment; retry');
    throw err;
  }
  const name = save.name ?? bot.name;
  await Bot.updateOne(
    { _id: bot._id },
    { $set: { name, status: save.status }, $max: { version, ...(save.status === 'ready' ? { readyVersion: version } : {}) } },
  );
  return saved(botId, name, version, save);
}

/** The account's bots, newest first, a page at a time. */
export async function listBots(admin: AdminIdentity, query: PageQuery): Promise<Page<'bots', BotSummary>> {
  type Row = { _id: Types.ObjectId; createdAt: Date; name: string; version: number; status: BotSummary['status']; readyVersion?: number | null; updatedAt: Date };
  const { items, nextPageToken } = await pageOf<Row>((filter) => Bot.find(filter), { accountId: admin.accountId }, query, -1);
  const bots = items.map(({ _id, name, version, status, readyVersion, updatedAt }) => ({ botId: String(_id), name, version, status, readyVersion, updatedAt }));
  return { bots, ...(nextPageToken ? { nextPageToken } : {}) };
}

export async function getBot(admin: AdminIdentity, botId: string, version?: number) {
  const bot = await findOwnBot(admin, botId);
  const stored = await BotVersion.findOne({ botId: bot._id, version: version ?? bot.version }).lean();
  if (!stored) throw new NotFound('bot_version_not_found', `bot ${botId} has no version ${version}`);
  return { botId, name: bot.name, version: stored.version, status: stored.status, readyVersion: bot.readyVersion, flow: stored.flow };
}

/** A deployed bot cannot be deleted: remove its deployments first. */
export async function deleteBot(admin: AdminIdentity, botId: string): Promise<void> {
  const bot = await findOwnBot(admin, botId);
  if (await Deployment.exists({ botId: bot._id })) throw new Conflict('bot_deployed', 'delete its deployments first');
  await Bot.deleteOne({ _id: bot._id });
  await BotVersion.deleteMany({ botId: bot._id });
}

export async function findOwnBot(admin: AdminIdentity, botId: string) {
  const bot = Types.ObjectId.isValid(botId) ? await Bot.findOne({ _id: botId, accountId: admin.accountId }).lean() : null;
  if (!bot) throw new NotFound('bot_not_found', `no bot "${botId}"`);
  return bot;
}

function saved(botId: string, name: string, version: number, save: ValidatedSave): SavedBot {
  return { botId, name, version, status: save.status, ...(save.problems ? { problems: save.problems } : {}) };
}
