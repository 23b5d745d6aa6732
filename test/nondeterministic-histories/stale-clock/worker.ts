// The probe's worker as a process of its own, so that repro.ts can SIGKILL it: `tsx worker.ts <address>`.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: process.argv[2]! });
  const worker = await Worker.create({ connection, taskQueue: 'stale-clock', workflowsPath: require.resolve('./workflow') });
  await worker.runUntil(async () => {
    console.log('ready');
    await new Promise(() => undefined);
  });
}

void main();
