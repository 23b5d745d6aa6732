import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../config';
import { startFerretDB, startRedis, startTemporalDevServer, type RunningServer } from '../dev/servers';
import { exitOnStartupError } from './startup';

const ROOT = resolve(__dirname, '../..');
const DATA_DIR = resolve(ROOT, '.data');
const TEMPORAL_UI_PORT = 8233;
const CODEC_TOKEN_FILE = resolve(DATA_DIR, 'codec-auth-token');

/**
 * `npm start`: the whole stack on embedded defaults. Starts the Temporal dev server, FerretDB and Redis
 * (unless TEMPORAL_ADDRESS / MONGODB_URI / REDIS_URL point elsewhere), then the worker and the API. Ctrl-C stops all.
 */
async function main(): Promise<void> {
  // The launcher alone looks at which variables were set, to decide what to start itself.
  mkdirSync(DATA_DIR, { recursive: true });
  const env: NodeJS.ProcessEnv = { OUTBOUND_ALLOW_PRIVATE: 'true', CODEC_AUTH_TOKEN: devCodecToken(), ...process.env };
  const config = loadConfig(env);
  const apiUrl = `http://${config.HOST}:${config.PORT}`;
  const servers: RunningServer[] = [];
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.all(children.map((child) => stopChild(child)));
    await Promise.all(servers.map((server) => server.stop()));
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  if (!process.env.TEMPORAL_ADDRESS) {
    const [, port] = config.TEMPORAL_ADDRESS.split(':');
    const temporal = await startTemporalDevServer({
      port: Number(port), uiPort: TEMPORAL_UI_PORT, dbFile: resolve(DATA_DIR, 'temporal.db'), logDir: DATA_DIR, codecEndpoint: `${apiUrl}/codec`,
    });
    servers.push(temporal);
    console.log(`temporal   ${temporal.address}  (Web UI http://127.0.0.1:${TEMPORAL_UI_PORT})`);
  }
  if (!process.env.MONGODB_URI) {
    const port = Number(/:(\d+)\//.exec(config.MONGODB_URI)?.[1] ?? 27017);
    const mongo = await startFerretDB({ port, dataDir: resolve(DATA_DIR, 'ferretdb'), logDir: DATA_DIR });
    servers.push(mongo);
    console.log(`ferretdb   ${mongo.address}`);
  }
  if (!process.env.REDIS_URL) {
    const port = Number(/:(\d+)\/?$/.exec(config.REDIS_URL)?.[1] ?? 6379);
    const redis = await startRedis({ port, logDir: DATA_DIR });
    servers.push(redis);
    console.log(`redis      ${redis.address}  (rate limits)`);
  }
  for (const name of ['worker', 'api'] as const) {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, `${name}.ts`)], { env, stdio: 'inherit' });
    child.once('exit', (code) => void stopAll(code ?? 1));
    children.push(child);
  }
  console.log(`api        ${apiUrl}  (dashboard /dashboard, API docs /docs, metrics /metrics)`);
  console.log(`codec      ${apiUrl}/codec  (the Web UI decodes through it: sign in at /codec/sign-in, token in ${CODEC_TOKEN_FILE})`);
  console.log(`worker     metrics http://127.0.0.1:${config.WORKER_METRICS_PORT}/metrics  (logs below; Ctrl-C stops everything)`);
}

/** The dev codec token: generated once, kept in .data/ (git-ignored) so a restart keeps operators signed in. */
function devCodecToken(): string {
  if (!existsSync(CODEC_TOKEN_FILE)) writeFileSync(CODEC_TOKEN_FILE, randomBytes(32).toString('base64url'), { mode: 0o600 });
  return readFileSync(CODEC_TOKEN_FILE, 'utf8').trim();
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  child.kill('SIGTERM');
  return exited;
}

main().catch(exitOnStartupError);
