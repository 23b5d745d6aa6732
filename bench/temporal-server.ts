import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres } from '../src/dev/postgres';
import { freePort, startTemporalDevServer } from '../src/dev/servers';
import { setupTemporalSchemas, startTemporalCluster } from '../src/dev/temporal-cluster';
import { prepareNamespace } from '../src/dev/temporal-namespace';

export type TemporalKind = 'dev' | 'cluster';

/**
 * The Temporal the bench runs on: the CLI's dev server (SQLite), or the production server built by
 * scripts/cluster/install.sh on PostgreSQL (`--temporal cluster`), namespace `default` and search attributes registered.
 * `pid` is the Temporal process (the cluster's PostgreSQL backends are not in its CPU figure).
 */
export async function startBenchTemporal(kind: TemporalKind, dataDir: string): Promise<{ address: string; pid: number; stop(): Promise<void> }> {
  if (kind === 'dev') return startTemporalDevServer({ port: await freePort(), uiPort: null, dbFile: join(dataDir, 'temporal.db'), logDir: dataDir });
  chmodSync(dataDir, 0o755); // PostgreSQL runs as nobody under root and must reach its data directory
  const postgres = await startPostgres({ port: await freePort(), dataDir: join(dataDir, 'postgres'), logDir: dataDir });
  await setupTemporalSchemas(postgres);
  const cluster = await startTemporalCluster({ postgres, dir: join(dataDir, 'temporal') });
  await prepareNamespace(cluster.address, 'default');
  return {
    address: cluster.address,
    pid: cluster.pid(),
    stop: async () => {
      await cluster.stop();
      await postgres.stop();
    },
  };
}
