import { execFile } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { launch, stopChild, TOOLS_DIR, waitForPort, type RunningServer } from './servers';

/** Where scripts/cluster/install.sh unpacks Debian's PostgreSQL. */
export const POSTGRES_BIN = join(TOOLS_DIR, 'postgres/15/bin');
/** The role initdb creates; trust authentication on loopback, so no password is checked. */
export const POSTGRES_USER = 'temporal';

const run = promisify(execFile);
// PostgreSQL refuses to run as root: as root, its processes run as `nobody` and own only the data directory.
const NOBODY = 65_534;
const asRoot = process.getuid?.() === 0;

function asServerUser(command: string, args: string[]): [string, string[]] {
  if (!asRoot) return [command, args];
  return ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', command, ...args]];
}

export interface PostgresOptions {
  port: number;
  /** Created if missing; initdb runs once, a second start reuses the cluster. */
  dataDir: string;
  logDir: string;
}

export interface RunningPostgres extends RunningServer {
  port: number;
  /** Runs SQL through psql as the superuser; resolves with psql's output. */
  sql(database: string, statement: string): Promise<string>;
}

/** A PostgreSQL cluster on 127.0.0.1 only (no Unix socket), fsync on, as a production server keeps it. */
export async function startPostgres(options: PostgresOptions): Promise<RunningPostgres> {
  mkdirSync(options.dataDir, { recursive: true });
  if (asRoot) chownSync(options.dataDir, NOBODY, NOBODY);
  const pgData = join(options.dataDir, 'pgdata');
  const [initdb, initArgs] = asServerUser(join(POSTGRES_BIN, 'initdb'), [
    '-D', pgData, '-U', POSTGRES_USER, '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8',
  ]);
  await run(initdb, initArgs).catch((err: Error & { stderr?: string }) => {
    if (!/exists but is not empty/.test(err.stderr ?? '')) throw new Error(`initdb failed: ${err.stderr ?? err.message}`);
  });
  const [postgres, args] = asServerUser(join(POSTGRES_BIN, 'postgres'), [
    '-D', pgData, '-p', String(options.port),
    '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
    // Temporal's services each keep a pool (persistence maxConns per service and store).
    '-c', 'max_connections=200',
  ]);
  const child = launch(postgres, args, join(options.logDir, 'postgres.log'));
  await waitForPort(child, options.port, 30_000);
  const sql = async (database: string, statement: string) => {
    const { stdout } = await run(join(POSTGRES_BIN, 'psql'), [
      '-h', '127.0.0.1', '-p', String(options.port), '-U', POSTGRES_USER, '-d', database, '-v', 'ON_ERROR_STOP=1', '-At', '-c', statement,
    ]);
    return stdout.trim();
  };
  // The port accepts before the server finishes recovery; a query is the real readiness check.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await sql('postgres', 'select 1').then(() => true, (err: Error) => (Date.now() > deadline ? Promise.reject(err) : false));
    if (ready) break;
    await new Promise((ok) => setTimeout(ok, 200));
  }
  return { address: `127.0.0.1:${options.port}`, port: options.port, pid: child.pid!, sql, stop: () => stopChild(child) };
}
