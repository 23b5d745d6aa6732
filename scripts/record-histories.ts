/**
 * Records real session histories for the replay tests: runs scenarios through the real API, worker,
 * Temporal dev server and FerretDB, then writes each workflow's history to test/histories/<name>.json.
 * Run it (npm run record-histories) when a new workflow behaviour deserves a replay guard; keep old files.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { TEMPORAL_CLI } from '../src/dev/servers';
import { sessionWorkflowId } from '../workflows/definitions';
import { channelWithBot } from '../test/helpers/fixtures';
import { Receiver } from '../test/helpers/receiver';
import { devServers, stopDevServers } from '../test/helpers/servers';
import { startStack, type Stack } from '../test/helpers/stack';
import { disconnectDatabase } from '../src/db/connect';

const OUT = resolve(__dirname, '../test/histories');

async function record(stack: Stack, name: string, channelKey: string, userID: number, waitForCompletion = false) {
  const handle = stack.client.workflow.getHandle(sessionWorkflowId(channelKey, userID));
  if (waitForCompletion) await handle.result();
  // The same JSON an operator gets from the Temporal UI's "Download" or `temporal workflow show -o json`.
  const { temporalAddress } = await devServers();
  const json = execFileSync(TEMPORAL_CLI, ['workflow', 'show', '--address', temporalAddress, '-w', handle.workflowId, '-o', 'json']);
  writeFileSync(resolve(OUT, `${name}.json`), json);
  console.log(`recorded test/histories/${name}.json`);
}

async function main() {
  const receiver = await Receiver.start();
  const stack = await startStack({ idleTimeoutMs: 3_000 });
  try {
    // 1. keyword → question → answer → message with attachment → end; then idle completion.
    const chat = await channelWithBot(receiver.url);
    const first = await stack.postMessage({ channelID: chat.channelID, token: chat.token, message: '#Drinks' });
    await receiver.waitFor(1);
    await stack.postMessage({ channelID: chat.channelID, token: chat.token, message: 'Tea', userID: first.body.userID });
    await stack.postMessage({ channelID: chat.channelID, token: chat.token, message: 'anything else?', userID: first.body.userID });
    await receiver.waitFor(3);
    await record(stack, 'conversation-then-idle', chat.channelKey, first.body.userID!, true);

    // 2. the receiver is down for the first attempt: the delivery activity retries, then the reply goes out.
    const outage = await channelWithBot(receiver.url);
    await receiver.down();
    const second = await stack.postMessage({ channelID: outage.channelID, token: outage.token, message: 'drinks' });
    await new Promise((ok) => setTimeout(ok, 1_500));
    await receiver.up();
    await receiver.waitFor(4);
    await record(stack, 'delivery-retried-then-idle', outage.channelKey, second.body.userID!, true);
  } finally {
    await stack.stop();
    await receiver.down();
    await disconnectDatabase();
    await stopDevServers();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
