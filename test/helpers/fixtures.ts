import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Channel } from '../../src/db/channel';
import type { Plan } from '../../src/db/account';
import type { Flow } from '../../src/schemas/flow';
import { authenticateApiKey, createAccount } from '../../src/services/accounts';
import { createBot, validateBotSave } from '../../src/services/bots';
import { createChannel } from '../../src/services/channels/channels';
import { deployBot } from '../../src/services/channels/deployments';
import { devServers } from './servers';

export const ROOT = resolve(__dirname, '../..');

export const DRINKS_FLOW: Flow = {
  start: 'ask',
  nodes: {
    ask: { type: 'question', text: 'Tea or coffee?', quickReplies: ['Tea', 'Coffee'], saveAs: 'drink', next: 'serve' },
    serve: {
      type: 'message', text: 'Here is your {{drink}}.', attachments: [{ url: 'https://cdn.example.com/cup.png', offset: 13 }], next: 'bye',
    },
    bye: { type: 'end', text: 'Bye user {{user.id}} of {{channel.id}}' },
  },
};

export interface ChannelFixture {
  apiKey: string;
  channelID: string;
  token: string;
  webhookSecret: string;
  channelKey: string;
  botId: string;
}

/** A pro account with one channel whose bot is deployed under `keyword`, built through the services. */
export async function channelWithBot(
  webhookUrl: string,
  keyword = 'drinks',
  plan: Plan = 'pro',
  flow: Flow = DRINKS_FLOW,
): Promise<ChannelFixture> {
  const { apiKey } = await createAccount({ name: `test-${Math.random().toString(36).slice(2)}`, plan });
  const admin = await authenticateApiKey(apiKey);
  const channel = await createChannel(admin, { webhookUrl }, { allowPrivate: true });
  const { botId } = await createBot(admin, validateBotSave({ name: keyword, flow }, { draft: false, creating: true }));
  await deployBot(admin, channel.channelID, { botId, keyword });
  const stored = await Channel.findOne({ channelID: channel.channelID }, { _id: 1 }).lean();
  return { apiKey, channelID: channel.channelID, token: channel.token, webhookSecret: channel.webhookSecret, channelKey: String(stored!._id), botId };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

/** Runs the real CLI (`npm run cli -- …` without npm) against the test run's FerretDB. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const { mongoUri } = await devServers();
  const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT, env: { ...process.env, MONGODB_URI: mongoUri, ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
  const text = result.code === 0 ? result.stdout : result.stderr;
  return { ...result, json: JSON.parse(text.trim().split('\n').pop() || '{}') as Record<string, unknown> };
}
