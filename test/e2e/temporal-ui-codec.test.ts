import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort, startTemporalDevServer, type RunningServer } from '../../src/dev/servers';
import type { ReceivedEvent } from '../../src/webhooks/listener';
import { sessionWorkflowId } from '../../workflows/definitions';
import { launchChromium, SCREENSHOTS } from '../helpers/browser';
import { channelWithBot } from '../helpers/fixtures';
import { Receiver } from '../helpers/receiver';
import { startStack, type Stack } from '../helpers/stack';

const SECRET = `deliver to 221B Baker Street, code ${Math.random().toString(36).slice(2, 8)}`;

describe('the Temporal UI reads encrypted sessions through the codec endpoint (Chromium, dev server with --ui-codec-endpoint)', function () {
  this.timeout(180_000);
  let dataDir: string;
  let temporal: RunningServer;
  let stack: Stack;
  let receiver: Receiver;
  let browser: Browser | undefined;
  let uiUrl: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-ui-codec-'));
    // The UI is told the codec endpoint at start, so the API's port is chosen before either starts.
    const [apiPort, uiPort] = [await freePort(), await freePort()];
    uiUrl = `http://127.0.0.1:${uiPort}`;
    temporal = await startTemporalDevServer({
      port: await freePort(), uiPort, dbFile: join(dataDir, 'temporal.db'), logDir: dataDir, codecEndpoint: `http://127.0.0.1:${apiPort}/codec`,
    });
    stack = await startStack({ temporalAddress: temporal.address, port: apiPort, temporalUiOrigin: uiUrl });
    receiver = await Receiver.start();
  });
  after(async () => {
    await browser?.close();
    await receiver?.down();
    await stack?.stop();
    await temporal?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the encrypted signal to a stranger and its message text to a signed-in operator', async () => {
    const channel = await channelWithBot(receiver.url);
    const started = await stack.postMessage({ channelID: channel.channelID, token: channel.token, message: '#drinks' });
    const userID = started.body.userID!;
    assert.equal((await stack.postMessage({ channelID: channel.channelID, token: channel.token, message: SECRET, userID })).status, 200);
    await receiver.waitFor(1, (e: ReceivedEvent) => (e.payload as { userID?: number }).userID === userID);
    const workflowId = sessionWorkflowId(channel.channelKey, userID);
    const { runId } = await stack.client.workflow.getHandle(workflowId).describe();
    const workflowUrl = `${uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}`;

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    // The UI's Data Encoder settings as an operator saves them once: the same endpoint with "Include cross-origin
    // credentials" (the dev server has no flag for it; the UI image reads TEMPORAL_CODEC_INCLUDE_CREDENTIALS).
    const settings = { overrideRemoteCodecConfiguration: true, endpoint: `${stack.baseUrl}/codec`, includeCredentials: true };
    await context.addInitScript(`if (location.origin === ${JSON.stringify(uiUrl)}) for (const [k, v] of Object.entries(${JSON.stringify(settings)})) localStorage.setItem(k, JSON.stringify(v));`);
    const page = await context.newPage();

    await openSignals(page, workflowUrl);
    await page.getByText('Codec Server could not connect').locator('visible=true').first().waitFor({ timeout: 30_000 });
    assert.equal((await page.content()).includes(SECRET), false, 'not signed in: the message text must not show');

    await page.goto(`${stack.baseUrl}/codec/sign-in`);
    await page.getByLabel('Codec token').fill(stack.codecToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in for 8 hours').waitFor();

    await openSignals(page, workflowUrl);
    const text = page.getByText(SECRET).first();
    await text.waitFor({ timeout: 30_000 });
    mkdirSync(SCREENSHOTS, { recursive: true });
    await text.scrollIntoViewIfNeeded().catch(() => undefined); // the list re-renders as it refreshes: best effort
    await page.screenshot({ path: resolve(SCREENSHOTS, 'temporal-ui-decoded-session.png') });
    assert.ok(await text.isVisible());
  });
});

/** The session's event history with its latest userMessage signal expanded. */
async function openSignals(page: Page, workflowUrl: string): Promise<void> {
  await page.goto(`${workflowUrl}/history`);
  // Newest first: the first userMessage row is the signal that carried the text.
  const signal = page.getByText('userMessage', { exact: true }).locator('visible=true').first();
  await signal.waitFor({ timeout: 30_000 });
  await signal.click();
}
