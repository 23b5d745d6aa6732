import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowBundle } from '@temporalio/worker';
import { freePort, startFerretDB, startRedis, startTemporalDevServer, type RunningServer } from '../../src/dev/servers';
import { bundleSessionWorkflows } from '../../src/temporal/worker';
import { processTracing } from '../../src/telemetry/tracing';

export interface DevServers {
  temporalAddress: string;
  /** The dev server's Web UI (the browser test opens it). */
  temporalUiUrl: string;
  mongoUri: string;
  /** The rate limiter's store. */
  redisUrl: string;
}

let servers: Promise<DevServers> | undefined;
let bundle: Promise<WorkflowBundle> | undefined;
const running: RunningServer[] = [];
let dataDir: string | undefined;

/** Real Temporal dev server, FerretDB and Redis on free loopback ports, started once per test run on first use. */
export function devServers(): Promise<DevServers> {
  servers ??= (async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'));
    const uiPort = await freePort();
    const [temporal, mongo, redis] = await Promise.all([
      startTemporalDevServer({ port: await freePort(), uiPort, dbFile: join(dataDir, 'temporal.db'), logDir: dataDir }),
      startFerretDB({ port: await freePort(), dataDir: join(dataDir, 'ferretdb'), logDir: dataDir, database: 'parley-test' }),
      startRedis({ port: await freePort(), logDir: dataDir }),
    ]);
    running.push(temporal, mongo, redis);
    return { temporalAddress: temporal.address, temporalUiUrl: `http://127.0.0.1:${uiPort}`, mongoUri: mongo.address, redisUrl: redis.address };
  })();
  return servers;
}

/** The session workflows bundled once per run and shared by every worker the tests create. */
export function workflowBundle(): Promise<WorkflowBundle> {
  // Traced when the process traces (mocha always does, test/helpers/tracing.ts; the bench with --tracing).
  bundle ??= bundleSessionWorkflows(processTracing()?.enabled ?? false);
  return bundle;
}

/**
 * PARLEY_TEST_MAX_CACHED_WORKFLOWS, for every worker the tests create: 0 makes each workflow task replay the
 * history from the start, so a replay bug shows in any test, not only after a worker restart.
 */
export function testWorkerCache(): { maxCachedWorkflows?: number } {
  const value = process.env.PARLEY_TEST_MAX_CACHED_WORKFLOWS;
  if (value === undefined || value === '') return {};
  if (!/^\d+$/.test(value)) throw new Error(`PARLEY_TEST_MAX_CACHED_WORKFLOWS: expected a whole number, got ${value}`);
  return { maxCachedWorkflows: Number(value) };
}

export async function stopDevServers(): Promise<void> {
  await Promise.all(running.splice(0).map((server) => server.stop()));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
