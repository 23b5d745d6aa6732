import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../..');

async function start(entry: string, env: Record<string, string>) {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 20_000 })
    .then(() => ({ code: 0, stderr: '' }), (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }));
}

describe('process start-up', function () {
  this.timeout(30_000);

  for (const entry of ['src/main/api.ts', 'src/main/worker.ts']) {
    it(`${entry} stops with exit 1 and names the bad variable`, async () => {
      const { code, stderr } = await start(entry, { PORT: 'eighty', SESSION_IDLE_TIMEOUT: 'soon' });
      assert.equal(code, 1);
      assert.match(stderr, /^invalid configuration: PORT: .*; SESSION_IDLE_TIMEOUT: expected a duration/m);
    });
  }
});
