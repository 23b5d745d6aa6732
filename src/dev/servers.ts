import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join, resolve } from 'node:path';
import { devServerSearchAttributeFlags } from '../temporal/search-attributes';

/** Where scripts/bootstrap.sh installs the pinned tools. */
export const TOOLS_DIR = resolve(__dirname, '../../.tools');
export const TEMPORAL_CLI = join(TOOLS_DIR, 'venv/bin/temporal');
export const TEMPORAL_TEST_SERVER = join(TOOLS_DIR, 'venv/bin/temporal-test-server');
export const FERRETDB = join(TOOLS_DIR, 'bin/ferretdb');
export const REDIS_SERVER = join(TOOLS_DIR, 'redis/bin/redis-server');

export interface RunningServer {
  /** host:port for Temporal, a mongodb:// URI for FerretDB, a redis:// URL for Redis. */
  address: string;
  /** The server's process (the bench measures its CPU). */
  pid: number;
  stop(): Promise<void>;
}

/** A port the OS just handed out on loopback (free when this returns). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

export interface TemporalDevServerOptions {
  port: number;
  /** null runs headless (no Web UI). */
  uiPort: number | null;
  dbFile: string;
  logDir: string;
  /** Where the Web UI decodes payloads (Parley's /codec), e.g. http://127.0.0.1:3000/codec. */
  codecEndpoint?: string;
}

/** The Temporal CLI dev server on loopback with a SQLite file and Parley's search attributes. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<RunningServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port)];
  args.push('--db-filename', options.dbFile, '--log-level', 'warn', '--metrics-port', String(await freePort()));
  args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  args.push('--http-port', String(await freePort()));
  if (options.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort), '--ui-disable-news-fetch');
  if (options.uiPort !== null && options.codecEndpoint) args.push('--ui-codec-endpoint', options.codecEndpoint);
  args.push(...devServerSearchAttributeFlags());
  const child = launch(TEMPORAL_CLI, args, join(options.logDir, 'temporal.log'));
  await waitForPort(child, options.port, 60_000);
  return { address: `127.0.0.1:${options.port}`, pid: child.pid!, stop: () => stopChild(child) };
}

export interface FerretDBOptions {
  port: number;
  dataDir: string;
  logDir: string;
  database?: string;
}

/** FerretDB v1 with its SQLite backend: MongoDB's wire protocol for mongoose. */
export async function startFerretDB(options: FerretDBOptions): Promise<RunningServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const child = launch(
    FERRETDB,
    [
      '--handler=sqlite',
      // synchronous=normal (with WAL): no fsync per write; a dev and test server may lose its last writes on power loss.
      `--sqlite-url=file:${options.dataDir}/?_pragma=synchronous(normal)`,
      `--listen-addr=127.0.0.1:${options.port}`,
      `--state-dir=${options.dataDir}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
    ],
    join(options.logDir, 'ferretdb.log'),
  );
  await waitForPort(child, options.port, 30_000);
  const address = `mongodb://127.0.0.1:${options.port}/${options.database ?? 'parley'}`;
  return { address, pid: child.pid!, stop: () => stopChild(child) };
}

export interface RedisOptions {
  port: number;
  logDir: string;
}

/**
 * Redis on loopback: the rate limiter's store, shared by every API process. Nothing is kept on disk: a restart
 * only refills the token buckets.
 */
export async function startRedis(options: RedisOptions): Promise<RunningServer> {
  const args = ['--bind', '127.0.0.1', '--port', String(options.port), '--save', '', '--appendonly', 'no'];
  const child = launch(REDIS_SERVER, args, join(options.logDir, 'redis.log'));
  await waitForPort(child, options.port, 15_000);
  return { address: `redis://127.0.0.1:${options.port}`, pid: child.pid!, stop: () => stopChild(child) };
}

/** Spawns a server whose output goes to `logFile`; it dies with this process. */
export function launch(command: string, args: string[], logFile: string): ChildProcess {
  mkdirSync(resolve(logFile, '..'), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  // Never leave a server behind when this process exits, however it exits.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  return child;
}

/** Resolves once something accepts on 127.0.0.1:port; fails if the child exits first or time runs out. */
export async function waitForPort(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited with ${child.exitCode} before listening`);
    if (await canConnect(port)) return;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${child.spawnfile} did not listen on ${port} within ${timeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => ok(socket.destroy() && true));
    socket.once('error', () => ok(false));
  });
}

/** SIGTERM, then SIGKILL after 10 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((ok) => child.once('exit', ok));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
