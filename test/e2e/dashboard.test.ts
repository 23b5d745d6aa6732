import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Channel } from '../../src/db/channel';
import { Deployment } from '../../src/db/deployment';
import { User } from '../../src/db/user';
import type { WebhookPayload } from '../../src/schemas/message';
import { authenticateApiKey, createAccount } from '../../src/services/accounts';
import { createBot, validateBotSave } from '../../src/services/bots';
import { createChannel } from '../../src/services/channels/channels';
import { launchChromium, SCREENSHOTS } from '../helpers/browser';
import { eventually } from '../helpers/eventually';
import { useStackWithReceiver } from '../helpers/stack';

const reply = (e: { payload: unknown }) => e.payload as WebhookPayload;

/** The dashboard in Debian's Chromium against the real stack: what an admin does, start to end. */
describe('the management dashboard (Chromium, real API, worker, Temporal, FerretDB)', function () {
  this.timeout(180_000);
  const suite = useStackWithReceiver();
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: resolve(SCREENSHOTS, `dashboard-${name}.png`), fullPage: true });

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.stack.baseUrl });
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
  });

  it('takes an admin from sign-in to a deployed bot, a live session, an agent reply and a deleted channel', async () => {
    const { apiKey } = await createAccount({ name: `dash-${Date.now()}`, plan: 'pro' });
    await page.goto(`${suite.stack.baseUrl}/dashboard`);

    // Sign in: a wrong key is refused in words; the right one opens the channels page.
    await page.getByLabel('Admin API key').fill('pk_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await shot('sign-in');
    await page.getByLabel('Admin API key').fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('No API channels yet').waitFor();

    // Add Channel: the generated ID and token are shown and can be changed.
    await page.getByRole('button', { name: 'Add Channel' }).click();
    const channelID = `dash${Date.now().toString(36)}`;
    await page.getByLabel('Channel ID').fill(channelID);
    assert.ok((await page.getByLabel('Channel token').inputValue()).length >= 24, 'a token is generated');
    await page.getByLabel('Webhook URL').fill(suite.receiver.url);
    await page.getByRole('button', { name: 'Create channel' }).click();
    await page.getByRole('cell', { name: channelID }).waitFor();

    await page.getByRole('button', { name: 'Test Webhook' }).click();
    await page.getByRole('status').filter({ hasText: 'Reachable' }).waitFor();
    await shot('test-webhook');
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    // A bot from the example flow, deployed under #drinks.
    await page.getByRole('link', { name: 'Chatbots' }).click();
    await page.getByRole('button', { name: 'New bot' }).click();
    await page.getByLabel('Name').fill('drinks');
    const exampleFlow = await page.getByLabel('Flow (JSON)').inputValue();
    await page.getByLabel('Flow (JSON)').fill(exampleFlow.replace('"next": "done"', '"next": "nowhere"'));
    await page.getByRole('button', { name: 'Save bot' }).click();
    await page.getByRole('alert').getByText('nodes.ask.next').waitFor(); // the error names the node and field
    await page.getByLabel('Flow (JSON)').fill(exampleFlow);
    await page.getByRole('button', { name: 'Save bot' }).click();
    await page.getByRole('cell', { name: 'Ready to Deploy' }).waitFor();
    await page.getByLabel('Keyword').fill('drinks');
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.getByText('Deployed:').waitFor();
    await shot('bots');

    // Request Example → Copy curl → send it as an integrator would: the receiver gets the bot's question.
    await page.getByRole('link', { name: 'API channels' }).click();
    await page.getByRole('button', { name: 'Request Example' }).click();
    await page.getByRole('button', { name: 'Copy curl' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    await shot('channels');
    const curl = String(await page.evaluate('navigator.clipboard.readText()')); // page code: a string, as the test has no DOM types
    const [, url, body] = /^curl -X POST '([^']+)' -H 'content-type: application\/json' -d '(.+)'$/.exec(curl)!;
    const sent = await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body! });
    assert.equal(sent.status, 200);
    const { userID } = (await sent.json()) as { userID: number };
    await suite.receiver.waitFor(1, (e) => reply(e).userID === userID && reply(e).message === 'Tea or coffee?');
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    // The session: transcript, an agent message the receiver gets with adminID.
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('link', { name: `Open session ${userID}` }).click();
    await page.getByText('Tea or coffee?').waitFor();
    await page.getByLabel('Message to the user (pauses the bot)').fill('Hi, a person here.');
    await page.getByRole('button', { name: 'Send as agent' }).click();
    const [agent] = await suite.receiver.waitFor(1, (e) => reply(e).userID === userID && reply(e).adminID !== undefined);
    assert.equal(reply(agent!).message, 'Hi, a person here.');
    await page.getByText('Hi, a person here.').waitFor(); // live refresh shows it in the transcript
    assert.ok(await page.getByRole('link', { name: 'Open in Temporal UI' }).getAttribute('href'));
    await shot('session');
    await page.getByRole('button', { name: 'Resume bot' }).click();
    await page.getByText('agent_mode_ended').waitFor();

    await page.goto(`${suite.stack.baseUrl}/dashboard#/channels/${channelID}/deliveries`);
    await page.getByRole('cell', { name: 'delivered' }).first().waitFor();
    await shot('deliveries');
    await page.getByRole('button', { name: 'Redeliver' }).first().click();
    await page.getByText('Queued again.').waitFor();

    // Erase the user: the button waits for the typed userID, then the page says what went.
    await page.goto(`${suite.stack.baseUrl}/dashboard#/channels/${channelID}/users/${userID}`);
    await page.getByText('Tea or coffee?').waitFor();
    await page.getByRole('button', { name: 'Erase user' }).click();
    const erase = page.getByRole('dialog').getByRole('button', { name: `Erase user ${userID}` });
    assert.ok(await erase.isDisabled(), 'not before the userID is typed');
    await page.getByLabel(`Type ${userID} to confirm`).fill(String(userID));
    await erase.click();
    await page.getByRole('heading', { name: `User ${userID} erased` }).waitFor({ timeout: 30_000 });
    await page.getByText(/^[1-9]\d* deliveries$/).waitFor();
    await shot('user-erased');
    assert.equal(await User.countDocuments({ userID, channelKey: (await Channel.findOne({ channelID }).lean())!._id }), 0);

    // Small screens: nothing wider than the viewport.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${suite.stack.baseUrl}/dashboard#/channels`);
    await page.getByRole('cell', { name: channelID }).waitFor();
    assert.ok(await page.evaluate('document.documentElement.scrollWidth <= 390'), 'no horizontal scroll at 390 px');
    await shot('channels-mobile');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Reconfigure: a new token is what the channel answers to from now on; the webhook events it shows are the
    // default (the two message types), and ticking session.ended adds it.
    await page.getByRole('button', { name: 'Reconfigure' }).click();
    await page.getByLabel('New token (leave empty to keep it)').fill('a-new-token-of-thirty-chars-123');
    const box = (type: string) => page.getByRole('checkbox', { name: type });
    assert.deepEqual(await Promise.all(['message.bot', 'message.agent', 'message.user', 'session.ended'].map((t) => box(t).isChecked())), [true, true, false, false]);
    await box('session.ended').check();
    await shot('reconfigure');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    const saved = (await Channel.findOne({ channelID }).lean())!;
    assert.equal(saved.token, 'a-new-token-of-thirty-chars-123');
    assert.deepEqual(saved.webhookEvents, ['message.bot', 'message.agent', 'session.ended'], 'in the documented order');

    // Delete: the warning names the deployments; they are gone after.
    const channelKey = (await Channel.findOne({ channelID }).lean())!._id;
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('1 bot deployment').waitFor();
    await page.getByRole('button', { name: 'Delete channel' }).click();
    await page.getByText('No API channels yet').waitFor();
    assert.equal(await Deployment.countDocuments({ channelKey }), 0);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin API key').waitFor();
    assert.equal(await page.evaluate('sessionStorage.length'), 0, 'the key is forgotten');
  });

  it('shows a long list a page at a time (the first 50 channels, then "Show more"), and deploys to any channel by its ID', async () => {
    const { apiKey } = await createAccount({ name: `dash-pages-${Date.now()}`, plan: 'enterprise' }); // pro holds 10 channels at most
    const admin = await authenticateApiKey(apiKey);
    const created: string[] = [];
    for (let i = 0; i < 51; i++) created.push((await createChannel(admin, { webhookUrl: suite.receiver.url }, { allowPrivate: true })).channelID);
    await page.goto(`${suite.stack.baseUrl}/dashboard`);
    await page.getByLabel('Admin API key').fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const shown = async () => page.locator('tbody tr td:first-child code').allTextContents();
    await page.getByRole('cell', { name: created.at(-1)! }).waitFor(); // newest first
    assert.equal((await shown()).length, 50, 'one page');
    await page.getByRole('button', { name: 'Show more' }).click();
    await page.getByRole('cell', { name: created[0]! }).waitFor();
    assert.deepEqual(await shown(), [...created].reverse(), 'every channel once, newest first, across the two pages');
    assert.equal(await page.getByRole('button', { name: 'Show more' }).count(), 0, 'nothing more after the last page');

    // The deploy form offers the newest channel and takes any other by its ID.
    const flow = { start: 'hi', nodes: { hi: { type: 'end', text: 'Hello.' } } };
    await createBot(admin, validateBotSave({ name: 'greeter', flow }, { draft: false, creating: true }));
    await page.getByRole('link', { name: 'Chatbots' }).click();
    const channelField = page.getByRole('form', { name: 'Add API deployment' }).getByLabel('Channel');
    await eventually(async () => assert.equal(await channelField.inputValue(), created.at(-1), 'the newest channel first'));
    await channelField.fill(created[0]!);
    await page.getByLabel('Keyword').fill('hello');
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.getByText(`Deployed: messages "#hello" on ${created[0]}`).waitFor();
    const oldest = (await Channel.findOne({ channelID: created[0] }).lean())!;
    assert.equal(await Deployment.countDocuments({ channelKey: oldest._id }), 1);
  });
});
