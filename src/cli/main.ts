import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { toParleyError } from '../api/error-funnel';
import { parseOrThrow } from '../schemas/parse';
import { loadConfig, payloadKeysOf } from '../config';
import { connectDatabase, disconnectDatabase } from '../db/connect';
import {
  createAccountSchema,
  createChannelSchema,
  createDeploymentSchema,
} from '../schemas/management';
import { authenticateApiKey, createAccount } from '../services/accounts';
import { createBot, updateBot, validateBotSave } from '../services/bots';
import { createChannel } from '../services/channels/channels';
import { deployBot } from '../services/channels/deployments';
import { recoverSession } from '../services/sessions/recovery';
import { createTemporalClient } from '../temporal/client';
import { encryptingDataConverter } from '../temporal/payload-codec';
import { sessionSettingsFrom } from '../temporal/sessions';
import { readEventStream } from '../webhooks/event-stream';
import { DeliveryAudit } from '../webhooks/audit';
import { startWebhookListener } from '../webhooks/listener';

const USAGE = `usage: npm run --silent cli -- <command>
  account create --name N --plan free|pro|enterprise
  channel create --api-key K --webhook URL [--channel-id ID] [--token T]
  bot create --api-key K --file flow.json [--name N] [--draft]
  bot update --api-key K --bot BOT_ID --file flow.json [--name N] [--draft]
  deploy --api-key K --channel ID --bot BOT_ID --keyword K [--default]
  session recover --channel ID --user USER_ID     (operators: a fresh run that carries seq, pending deliveries, bot position)
  webhook-listen --port 4000 [--secret whsec_...]
  webhook-listen --pull --channel ID --token T [--user USER_ID] [--api-url http://127.0.0.1:3000] [--after CURSOR]
                 (reads the conversation log's stream instead of opening a port; PARLEY_CHANNEL_ID, PARLEY_CHANNEL_TOKEN, PARLEY_API_URL)`;

const OPTIONS = {
  name: { type: 'string' }, plan: { type: 'string' }, 'api-key': { type: 'string' }, webhook: { type: 'string' },
  'channel-id': { type: 'string' }, token: { type: 'string' }, file: { type: 'string' }, channel: { type: 'string' },
  bot: { type: 'string' }, keyword: { type: 'string' }, default: { type: 'boolean' }, port: { type: 'string' },
  secret: { type: 'string' }, draft: { type: 'boolean' }, user: { type: 'string' },
  pull: { type: 'boolean' }, 'api-url': { type: 'string' }, after: { type: 'string' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Management commands: each prints one JSON object on stdout; errors go to stderr with exit code 1. */
const COMMANDS: Record<string, (flags: Flags) => Promise<unknown>> = {
  'account create': (flags) => createAccount(parseOrThrow(createAccountSchema, { name: flags.name, plan: flags.plan })),
  'channel create': async (flags) =>
    createChannel(
      await authenticateApiKey(flags['api-key'] ?? ''),
      parseOrThrow(createChannelSchema, { webhookUrl: flags.webhook, channelID: flags['channel-id'], token: flags.token }),
      { allowPrivate: loadConfig().OUTBOUND_ALLOW_PRIVATE },
    ),
  'bot create': async (flags) =>
    createBot(await authenticateApiKey(flags['api-key'] ?? ''), validateBotSave(botFile(flags), { draft: Boolean(flags.draft), creating: true })),
  'bot update': async (flags) =>
    updateBot(
      await authenticateApiKey(flags['api-key'] ?? ''),
      flags.bot ?? '',
      validateBotSave(botFile(flags, false), { draft: Boolean(flags.draft), creating: false }),
    ),
  deploy: async (flags) =>
    deployBot(
      await authenticateApiKey(flags['api-key'] ?? ''),
      flags.channel ?? '',
      parseOrThrow(createDeploymentSchema, { botId: flags.bot, keyword: flags.keyword, default: flags.default }),
    ),
  'session recover': async (flags) => {
    const config = loadConfig();
    const temporal = createTemporalClient(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE, encryptingDataConverter(payloadKeysOf(config)));
    try {
      return await recoverSession(temporal, sessionSettingsFrom(config), flags.channel ?? '', parseOrThrow(userFlag, flags.user));
    } finally {
      await temporal.connection.close();
    }
  },
};

const userFlag = z.coerce.number().int().positive();

/** A flow file holds either `{name, flow}` (as examples/ do) or just the flow. */
function botFile(flags: Flags, named = true): Record<string, unknown> {
  const file = flags.file ?? '';
  const content = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if ('flow' in content) return named || flags.name ? { ...content, name: flags.name ?? content.name } : { flow: content.flow };
  return named || flags.name ? { name: flags.name ?? basename(file, '.json'), flow: content } : { flow: content };
}

async function main(argv: string[]): Promise<void> {
  const { values: flags, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const command = positionals.join(' ');
  if (command === 'webhook-listen') return flags.pull ? pull(flags) : listen(flags);
  const run = COMMANDS[command];
  if (!run) throw new Error(`unknown command "${command}"\n${USAGE}`);
  const config = loadConfig();
  await connectDatabase(config.MONGODB_URI);
  try {
    process.stdout.write(`${JSON.stringify(await run(flags))}\n`);
  } finally {
    await disconnectDatabase();
  }
}

/**
 * Prints every event it receives as one JSON line, with whether its signature verifies and what the audit found:
 * a duplicate webhook-id, a seq gap or an out-of-order seq for that user (also warned on stderr).
 */
async function listen(flags: Flags): Promise<void> {
  const port = Number(flags.port ?? 4000);
  const audit = new DeliveryAudit();
  const listener = await startWebhookListener({
    port,
    secret: () => flags.secret,
    onEvent: (event) => {
      const finding = audit.check(event.webhookId, event.payload);
      process.stdout.write(`${JSON.stringify({ ...event, headers: undefined, audit: finding })}\n`);
      if (Object.keys(finding).length > 0) process.stderr.write(`warning: ${event.webhookId} ${JSON.stringify(finding)}\n`);
    },
  });
  process.stderr.write(`listening on http://127.0.0.1:${listener.port}/ (Ctrl-C stops)\n`);
  process.once('SIGINT', () => {
    process.stderr.write(`${JSON.stringify(audit.totals)}\n`);
    process.exit(0);
  });
}

/**
 * `webhook-listen --pull`: the same lines and audit as `webhook-listen`, from the channel's log stream (no port to
 * open), reconnecting with Last-Event-ID. Each line has the event's id (as webhookId), cursor, type and envelope.
 */
async function pull(flags: Flags): Promise<void> {
  const channelID = flags.channel ?? process.env.PARLEY_CHANNEL_ID;
  const token = flags.token ?? process.env.PARLEY_CHANNEL_TOKEN;
  if (!channelID || !token) throw new Error('--pull needs --channel and --token (or PARLEY_CHANNEL_ID and PARLEY_CHANNEL_TOKEN)');
  const base = (flags['api-url'] ?? process.env.PARLEY_API_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const user = flags.user === undefined ? '' : `/users/${parseOrThrow(userFlag, flags.user)}`;
  const url = `${base}/v1/channels/${encodeURIComponent(channelID)}${user}/events/stream`;
  const audit = new DeliveryAudit();
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  process.stderr.write(`reading ${url} (Ctrl-C stops)\n`);
  await readEventStream({
    url, token, signal: stop.signal, ...(flags.after === undefined ? {} : { lastEventId: flags.after }),
    onStatus: (status) => {
      if (status !== 200) process.stderr.write(`stream: ${status instanceof Error ? status.message : `answered ${status}`}; reconnecting\n`);
    },
    onEvent: ({ id, type, data }) => {
      const event = data as { id: string; userID: number; seq?: number };
      const finding = audit.check(event.id, { channelID, userID: event.userID, seq: event.seq });
      process.stdout.write(`${JSON.stringify({ webhookId: event.id, cursor: id, type, payload: data, audit: finding })}\n`);
      if (Object.keys(finding).length > 0) process.stderr.write(`warning: ${event.id} ${JSON.stringify(finding)}\n`);
    },
  }).catch((err: unknown) => {
    if (!stop.signal.aborted) throw err;
  });
  process.stderr.write(`${JSON.stringify(audit.totals)}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const error = toParleyError(err);
  const shown = error.code === 'internal_error' && err instanceof Error ? { code: 'error', message: err.message } : error;
  process.stderr.write(`${JSON.stringify({ error: { code: shown.code, message: shown.message, details: error.details } })}\n`);
  process.exit(1);
});
