import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TOOLS_DIR } from '../../src/dev/servers';
import { rateLimitSettings } from '../../src/services/limits/rate-limits';
import { channelWithBot } from './fixtures';
import { AUTH_FAILURES_OUT_OF_REACH, startStack } from './stack';

export interface FuzzOptions {
  seed: number;
  /** Test cases per operation and phase. */
  maxExamples: number;
  /** The run is stopped (and fails) past this. */
  timeoutMs: number;
  reportDir: string;
  /** Schemathesis checks; every check it has unless narrowed. */
  checks?: string;
  /** Test phases; all of them (examples, coverage, fuzzing, stateful) unless narrowed. */
  phases?: string;
}

export interface FuzzResult {
  exitCode: number | null;
  output: string;
  /** From the JSON report: test cases run and failures found. */
  cases: number;
  failures: number;
}

const ST = join(TOOLS_DIR, 'venv/bin/st');
const CONFIG = resolve(__dirname, '../fuzz/schemathesis.toml');

/**
 * Schemathesis against /openapi.json of a live stack (real API, worker, Temporal, FerretDB) with an admin
 * key of an enterprise account that has a channel and a deployed bot, so management routes do real work.
 */
export async function runSchemathesis(options: FuzzOptions): Promise<FuzzResult> {
  // The fuzzer's traffic is about robustness, not the limiter: its own budgets are set out of reach, and so are
  // those of failed token checks (else a missing Authorization header, which must be 401, is 429 once its many
  // wrong tokens have spent the address's budget).
  const budget = { perSecond: 100_000, burst: 100_000 };
  const stack = await startStack({
    rateLimits: { ...rateLimitSettings({ enterprise: budget, user: budget, 'admin-key': budget }), authFailures: AUTH_FAILURES_OUT_OF_REACH },
    recordResponses: false,
  });
  try {
    const { apiKey } = await channelWithBot('http://127.0.0.1:9/hook', 'fuzz', 'enterprise');
    mkdirSync(options.reportDir, { recursive: true });
    const args = [
      '--config-file', CONFIG, 'run', `${stack.baseUrl}/openapi.json`, '--checks', options.checks ?? 'all', '--phases', options.phases ?? 'examples,coverage,fuzzing,stateful', '--seed', String(options.seed), '--max-examples', String(options.maxExamples),
      '--header', `Authorization: Bearer ${apiKey}`, '--workers', '1', '--generation-database', 'none', '--no-color',
      '--report', 'json', '--report-json-path', join(options.reportDir, 'report.json'), '--request-timeout', '10',
    ];
    const child = spawn(ST, args, { cwd: resolve(__dirname, '../..'), env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    const exitCode = await new Promise<number | null>((ok) => child.once('exit', ok));
    clearTimeout(timer);
    writeFileSync(join(options.reportDir, 'output.txt'), output);
    return { exitCode, output, ...totals(options.reportDir) };
  } finally {
    await stack.stop();
  }
}

function totals(reportDir: string): { cases: number; failures: number } {
  try {
    const report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as { test_cases: { generated: number; unique_failures: number; errored: number } };
    return { cases: report.test_cases.generated, failures: report.test_cases.unique_failures + report.test_cases.errored };
  } catch {
    return { cases: NaN, failures: NaN };
  }
}
