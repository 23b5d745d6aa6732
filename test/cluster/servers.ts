import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type RunningPostgres } from '../../src/dev/postgres';
import { freePort, startFerretDB, startRedis, type RunningServer } from '../../src/dev/servers';
import { prepareNamespace } from '../../src/dev/temporal-namespace';
import { setupTemporalSchemas, startTemporalCluster, type TemporalCluster } from '../../src/dev/temporal-cluster';

export const NAMESPACE = 'parley';

export interface ClusterServers {
  temporal: TemporalCluster;
  postgres: RunningPostgres;
  mongoUri: string;
  redisUrl: string;
  /** Search attributes the namespace lacked and got (all four on a fresh cluster). */
  registered: string[];
  stop(): Promise<void>;
}

/**
 * PostgreSQL, the Temporal server on it (schemas set up by the SQL tool, namespace and search attributes registered
 * over the operator API), FerretDB and Redis: every one a real server on a free loopback port, data in one temp dir.
 */
export async function startClusterServers(): Promise<ClusterServers> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cluster-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as nobody when this runs as root and must reach its data directory
  const running: { stop(): Promise<void> }[] = [];
  try {
    const postgres = await startPostgres({ port: await freePort(), dataDir: join(dir, 'postgres'), logDir: dir });
    running.push(postgres);
    await setupTemporalSchemas(postgres);
    const temporal = await startTemporalCluster({ postgres, dir: join(dir, 'temporal') });
    running.unshift(temporal);
    const [registered, mongo, redis] = await Promise.all([
      prepareNamespace(temporal.address, NAMESPACE),
      startFerretDB({ port: await freePort(), dataDir: join(dir, 'ferretdb'), logDir: dir, database: 'parley-cluster' }),
      startRedis({ port: await freePort(), logDir: dir }),
    ]) as [string[], RunningServer, RunningServer];
    running.unshift(mongo, redis);
    const stop = async () => {
      for (const server of running) await server.stop();
      if (!process.env.PARLEY_KEEP_CLUSTER_DATA) rmSync(dir, { recursive: true, force: true });
    };
    return { temporal, postgres, mongoUri: mongo.address, redisUrl: redis.address, registered, stop };
  } catch (err) {
    for (const server of running) await server.stop();
    throw new Error(`cluster servers did not start (logs in ${dir})`, { cause: err });
  }
}
