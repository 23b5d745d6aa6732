import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { sessionWorkflowId } from '../../workflows/definitions';
import { channelWithBot } from '../helpers/fixtures';
import { devServers } from '../helpers/servers';
import { useStackWithReceiver } from '../helpers/stack';
import { launchChromium, SCREENSHOTS } from '../helpers/browser';

describe('the Temporal UI path an operator takes (Chromium driving the dev server\'s Web UI)', function () {
  this.timeout(120_000);
  const suite = useStackWithReceiver();
  let browser: Browser | undefined;
  after(async () => {
    await browser?.close();
  });

  it('finds a session by ChannelKey, opens it, and shows its workflow ID and userMessage signal', async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const posted = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: '#drinks' });
    const workflowId = sessionWorkflowId(channel.channelKey, posted.body.userID!);
    await suite.receiver.waitFor(1, (e) => (e.payload as { userID?: number }).userID === posted.body.userID);

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const { temporalUiUrl } = await devServers();
    // The list's search, as the operator types it: ChannelKey = "…"
    const query = encodeURIComponent(`ChannelKey = "${channel.channelKey}"`);
    await page.goto(`${temporalUiUrl}/namespaces/default/workflows?query=${query}`);
    const row = page.getByRole('link', { name: workflowId });
    await row.waitFor({ timeout: 30_000 });
    await row.click();

    await page.waitForURL(/\/workflows\/[^/]+\/[^/]+/, { timeout: 30_000 });
    await page.getByRole('heading', { name: workflowId }).waitFor();
    await page.getByText('Event History', { exact: false }).first().click();
    const signal = page.getByText('userMessage', { exact: true }).locator('visible=true').first();
    await signal.waitFor({ timeout: 30_000 });
    await signal.scrollIntoViewIfNeeded().catch(() => undefined); // the list re-renders as it refreshes: best effort
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: resolve(SCREENSHOTS, 'temporal-ui-session.png') });
    assert.ok(await page.getByRole('heading', { name: workflowId }).isVisible());
    assert.ok(await signal.isVisible());
  });
});
