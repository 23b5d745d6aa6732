import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { POSTGRES_USER, type RunningPostgres } from './postgres';
import { freePort, launch, stopChild, TOOLS_DIR, waitForPort } from './servers';
import { temporalServerConfig, type TemporalPorts } from './temporal-config';

/** scripts/cluster/install.sh builds this version from the Go module (docker-compose.yml runs the same image tag). */
export const TEMPORAL_SERVER_VERSION = '1.29.7';
const SERVER_DIR = join(TOOLS_DIR, 'temporal-server', TEMPORAL_SERVER_VERSION);
export const TEMPORAL_SERVER = join(SERVER_DIR, 'bin/temporal-server');
export const TEMPORAL_SQL_TOOL = join(SERVER_DIR, 'bin/temporal-sql-tool');
const SCHEMA_DIR = join(SERVER_DIR, 'schema/postgresql/v12');
/** The dynamic config production loads too (docker-compose.yml mounts it). */
export const DYNAMIC_CONFIG = resolve(__dirname, '../../deploy/temporal/dynamicconfig.yaml');

const run = promisify(execFile);

/** Creates `temporal` and `temporal_visibility` and brings both to the schema of this server version, as auto-setup does. */
export async function setupTemporalSchemas(postgres: RunningPostgres): Promise<void> {
  for (const [database, schema] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']] as const) {
    const tool = (...args: string[]) => run(TEMPORAL_SQL_TOOL, [
      '--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(postgres.port), '-u', POSTGRES_USER, '--db', database, ...args,
    ]);
    await tool('create-database');
    await tool('setup-schema', '-v', '0.0');
    await tool('update-schema', '-d', join(SCHEMA_DIR, schema, 'versioned'));
  }
}

export interface TemporalClusterOptions {
  postgres: RunningPostgres;
  /** Config, logs. */
  dir: string;
  numHistoryShards?: number;
}

export interface TemporalCluster {
  /** The frontend, host:port. */
  address: string;
  pid(): number;
  /** SIGTERM and start again on the same ports and databases: what a rolling restart of one node looks like. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** All four services (frontend, history, matching, worker) in one process on PostgreSQL persistence and visibility. */
export async function startTemporalCluster(options: TemporalClusterOptions): Promise<TemporalCluster> {
  const ports: TemporalPorts = {
    frontend: await freePort(), frontendHttp: await freePort(), history: await freePort(), matching: await freePort(),
    worker: await freePort(), metrics: await freePort(),
    membership: { frontend: await membershipPort(), history: await membershipPort(), matching: await membershipPort(), worker: await membershipPort() },
  };
  const configDir = join(options.dir, 'config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'cluster.yaml'), temporalServerConfig({
    postgresPort: options.postgres.port, ports, numHistoryShards: options.numHistoryShards ?? 4, dynamicConfigFile: DYNAMIC_CONFIG,
  }));
  const start = async () => {
    const child = launch(TEMPORAL_SERVER, ['--root', options.dir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'],
      join(options.dir, 'temporal-server.log'));
    await waitForPort(child, ports.frontend, 120_000);
    return child;
  };
  let child = await start();
  return {
    address: `127.0.0.1:${ports.frontend}`,
    pid: () => child.pid!,
    restart: async () => {
      await stopChild(child);
      child = await start();
    },
    stop: () => stopChild(child),
  };
}

/**
 * A free loopback port below 32768: PostgreSQL's cluster_membership.rpc_port is a SMALLINT, and a membership port
 * above 32767 (any port the OS hands out by itself on Linux) stops the server at start ("out of range for type smallint").
 */
async function membershipPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const bound = await new Promise<boolean>((ok) => {
      server.once('error', () => ok(false));
      server.listen(port, '127.0.0.1', () => ok(true));
    });
    if (!bound) continue;
    await new Promise((ok) => server.close(ok));
    return port;
  }
}
