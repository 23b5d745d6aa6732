/** `npm run fuzz [-- --examples 200 --seed 7]`: a longer schemathesis run than the one inside `npm test`. */
import { parseArgs } from 'node:util';
import { disconnectDatabase } from '../../src/db/connect';
import { runSchemathesis } from '../helpers/schemathesis';
import { stopDevServers } from '../helpers/servers';

async function main() {
  const { values } = parseArgs({ options: { examples: { type: 'string', default: '200' }, seed: { type: 'string', default: String(Date.now() % 100_000) } } });
  const result = await runSchemathesis({ seed: Number(values.seed), maxExamples: Number(values.examples), timeoutMs: 60 * 60_000, reportDir: 'test-output/fuzz' });
  console.log(result.output);
  console.log(`schemathesis: seed ${values.seed}, ${result.cases} cases, ${result.failures} failures, exit ${result.exitCode}`);
  await disconnectDatabase();
  await stopDevServers();
  process.exit(result.exitCode === 0 ? 0 : 1);
}

void main();
