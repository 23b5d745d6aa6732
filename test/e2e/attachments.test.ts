import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { PLAN_LIMITS } from '../../src/plans';
import { storeAttachments, sweepAttachments } from '../../src/services/messages/attachments';
import { MAX_ATTACHMENT_BYTES } from '../../src/attachments/data-url';
import type { WebhookPayload } from '../../src/schemas/message';
import { sessionWorkflowId, stateQuery } from '../../workflows/definitions';
import { adminApi } from '../helpers/admin-api';
import { eventually } from '../helpers/eventually';
import { channelWithBot, type ChannelFixture } from '../helpers/fixtures';
import { dataUrl, PNG, SAMPLES } from '../helpers/samples';
import { useStackWithReceiver } from '../helpers/stack';

describe('attachments (GridFS on FerretDB, served by the API)', function () {
  this.timeout(60_000);
  const suite = useStackWithReceiver();
  let channel: ChannelFixture;
  before(async () => {
    channel = await channelWithBot(suite.receiver.url);
  });
  const message = (attachments: unknown[]) => ({ channelID: channel.channelID, token: channel.token, message: 'see attached', attachments });

  it('stores a base64 upload, gives the session its URL, and serves it back byte for byte with safe headers', async () => {
    const pdf = SAMPLES['application/pdf']!;
    const posted = await suite.stack.postMessage(message([{ base64: dataUrl('image/png', PNG) }, { base64: dataUrl('application/pdf', pdf) }, { url: 'https://cdn.example.com/a.jpg' }]));
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    const handle = suite.stack.client.workflow.getHandle(sessionWorkflowId(channel.channelKey, posted.body.userID!));
    let urls: string[] = [];
    await eventually(async () => {
      const [entry] = (await handle.query(stateQuery)).transcript;
      assert.equal(entry?.kind, 'user');
      urls = (entry as { attachments: { url: string }[] }).attachments.map((a) => a.url);
    });
    assert.equal(urls[2], 'https://cdn.example.com/a.jpg', 'a URL attachment is passed through');
    const ids = urls.slice(0, 2).map((url) => /^http:\/\/127\.0\.0\.1:\d+\/v1\/attachments\/([A-Za-z0-9_-]{32})$/.exec(url)?.[1]);
    assert.ok(ids.every(Boolean) && ids[0] !== ids[1], urls.join(' '));

    const image = await fetch(urls[0]!);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');
    assert.equal(image.headers.get('x-content-type-options'), 'nosniff');
    assert.match(image.headers.get('content-disposition')!, /^inline; filename="attachment-[\w-]{8}\.png"$/);
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), PNG);
    const document = await fetch(urls[1]!);
    assert.equal(document.headers.get('content-type'), 'application/pdf');
    assert.match(document.headers.get('content-disposition')!, /^attachment; filename=".*\.pdf"$/);
    assert.deepEqual(Buffer.from(await document.arrayBuffer()), pdf);
  });

  it('answers 404 JSON for an unknown or malformed attachment id', async () => {
    for (const id of ['A'.repeat(32), '..%2F..%2Fetc', 'x']) {
      const response = await fetch(`${suite.stack.baseUrl}/v1/attachments/${id}`);
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'attachment_not_found');
    }
  });

  it('refuses a disguised type with 422 (its form is fine, its bytes are not), a mime off the list and an 11th attachment with 400, at the field', async () => {
    const disguised = await suite.stack.postMessage(message([{ url: 'https://a.example/1.png' }, { base64: dataUrl('image/jpeg', PNG) }]));
    assert.deepEqual([disguised.status, disguised.body.error?.code, disguised.body.error?.details?.[0]?.path], [422, 'invalid_attachment', 'attachments[1].base64']);
    for (const [attachments, path] of [
      [[{ base64: dataUrl('text/html', '<b>hi</b>') }], 'attachments[0].base64'],
      [[{ url: 'javascript:alert(1)' }], 'attachments[0].url'],
      [[{ url: 'https://a.example/1.png', base64: dataUrl('image/png', PNG) }], 'attachments[0]'],
      [Array.from({ length: 11 }, () => ({ url: 'https://a.example/1.png' })), 'attachments'],
    ] as const) {
      const posted = await suite.stack.postMessage(message([...attachments]));
      assert.equal(posted.status, 400, JSON.stringify(attachments).slice(0, 80));
      assert.equal(posted.body.error?.details?.[0]?.path, path);
    }
  });

  it('refuses a file over 5 MB decoded with 422, and a body over 20 MB with 413 before reading it', async () => {
    const big = Buffer.alloc(MAX_ATTACHMENT_BYTES + 1);
    PNG.copy(big);
    const tooBig = await suite.stack.postMessage(message([{ base64: dataUrl('image/png', big) }]));
    assert.equal(tooBig.status, 422);
    assert.equal(tooBig.body.error?.details?.[0]?.path, 'attachments[0].base64');
    const five = Buffer.alloc(MAX_ATTACHMENT_BYTES);
    PNG.copy(five);
    const huge = await suite.stack.postMessage(message(Array.from({ length: 4 }, () => ({ base64: dataUrl('image/png', five) }))));
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error?.code, 'payload_too_large');
  });

  it('stores an admin message\'s upload too: the webhook gets its URL beside the adminID', async () => {
    const posted = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: 'hello' });
    const userID = posted.body.userID!;
    const sent = await adminApi(suite.stack.baseUrl, channel.apiKey)('POST', `/v1/channels/${channel.channelID}/users/${userID}/messages`, {
      message: 'your receipt', attachments: [{ base64: dataUrl('text/plain', 'receipt #42') }],
    });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const reply = (e: { payload: unknown }) => e.payload as WebhookPayload;
    const [event] = await suite.receiver.waitFor(1, (e) => reply(e).userID === userID && reply(e).adminID !== undefined);
    const url = reply(event!).attachments?.[0]?.url;
    assert.ok(url);
    const file = await fetch(url);
    assert.equal(file.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await file.text(), 'receipt #42');
  });

  describe('ownership, de-duplication, quota and retention', () => {
    const files = () => mongoose.connection.collection('attachments.files');
    const upload = (bytes: Buffer) => ({ base64: dataUrl('image/png', bytes) });
    // A PNG no other test sends: its own bytes after the signature.
    const uniquePng = () => Buffer.concat([PNG, randomBytes(64)]);
    const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

    async function urlsOf(fixture: ChannelFixture, userID: number): Promise<string[]> {
      const handle = suite.stack.client.workflow.getHandle(sessionWorkflowId(fixture.channelKey, userID));
      let urls: string[] = [];
      await eventually(async () => {
        const entry = (await handle.query(stateQuery)).transcript.find((e) => e.kind === 'user');
        urls = (entry as { attachments: { url: string }[] }).attachments.map((a) => a.url);
        assert.ok(urls.length > 0);
      });
      return urls;
    }

    it('stores a file sent again on its channel once (a retried request), and records the channel', async () => {
      const bytes = uniquePng();
      const first = await suite.stack.postMessage(message([upload(bytes)]));
      const retried = await suite.stack.postMessage(message([upload(bytes), upload(bytes)]));
      assert.deepEqual([first.status, retried.status], [200, 200]);
      const [url] = await urlsOf(channel, first.body.userID!);
      assert.deepEqual(await urlsOf(channel, retried.body.userID!), [url, url]);
      const stored = await files().find({ 'metadata.sha256': sha256(bytes) }).toArray();
      assert.deepEqual(stored.map((f) => f.metadata?.channelKey), [channel.channelKey], 'one copy, owned by the channel');

      const other = await channelWithBot(suite.receiver.url);
      const elsewhere = await suite.stack.postMessage({ channelID: other.channelID, token: other.token, message: 'same file', attachments: [upload(bytes)] });
      assert.notEqual((await urlsOf(other, elsewhere.body.userID!))[0], url, 'another channel gets its own copy, deleted with it');
    });

    it('refuses new uploads past the plan\'s quota with 403, storing nothing, and still takes files it holds', async () => {
      const full = await channelWithBot(suite.receiver.url);
      const held = uniquePng();
      const accepted = await suite.stack.postMessage({ channelID: full.channelID, token: full.token, message: 'x', attachments: [upload(held)] });
      assert.equal(accepted.status, 200);
      // What the channel holds, as the quota measures it: a file record as large as the pro plan allows.
      await files().insertOne({ _id: `filler-${full.channelKey}` as never, length: PLAN_LIMITS.pro.attachmentBytes, chunkSize: 261_120, uploadDate: new Date(), filename: 'filler', metadata: { channelKey: full.channelKey, sha256: 'filler', mime: 'image/png', lastUsedAt: new Date() } });
      const fresh = uniquePng();
      const refused = await suite.stack.postMessage({ channelID: full.channelID, token: full.token, message: 'x', attachments: [upload(fresh)] });
      assert.deepEqual([refused.status, refused.body.error?.code], [403, 'attachment_quota_exceeded']);
      const fromAgent = await adminApi(suite.stack.baseUrl, full.apiKey)('POST', `/v1/channels/${full.channelID}/users/${accepted.body.userID}/messages`, { message: 'x', attachments: [upload(fresh)] });
      assert.deepEqual([fromAgent.status, fromAgent.body.error?.code], [403, 'attachment_quota_exceeded']);
      assert.equal(await files().countDocuments({ 'metadata.sha256': sha256(fresh) }), 0);
      const again = await suite.stack.postMessage({ channelID: full.channelID, token: full.token, message: 'x', attachments: [upload(held)] });
      assert.equal(again.status, 200, 'a file the channel holds costs no quota');
    });

    it('deletes a channel\'s uploads with the channel', async () => {
      const doomed = await channelWithBot(suite.receiver.url);
      const posted = await suite.stack.postMessage({ channelID: doomed.channelID, token: doomed.token, message: 'x', attachments: [upload(uniquePng())] });
      const [url] = await urlsOf(doomed, posted.body.userID!);
      assert.equal((await fetch(url!)).status, 200);
      assert.equal((await adminApi(suite.stack.baseUrl, doomed.apiKey)('DELETE', `/v1/channels/${doomed.channelID}`)).status, 200);
      assert.equal((await fetch(url!)).status, 404);
      assert.equal(await files().countDocuments({ 'metadata.channelKey': doomed.channelKey }), 0);
    });

    it('sweeps uploads unused for ATTACHMENT_RETENTION; sending one again starts its retention over', async () => {
      const owner = { channelKey: new Types.ObjectId().toHexString(), userID: 1, quotaBytes: PLAN_LIMITS.pro.attachmentBytes };
      const day = 86_400_000;
      const t0 = new Date(Date.UTC(2020, 0, 1));
      const at = (days: number) => new Date(t0.getTime() + days * day);
      const [kept, dropped] = [uniquePng(), uniquePng()];
      const decoded = (bytes: Buffer) => ({ base64: { mime: 'image/png' as const, bytes } });
      const first = await storeAttachments([decoded(kept), decoded(dropped)], owner, 'http://x', t0);
      const reused = await storeAttachments([decoded(kept)], owner, 'http://x', at(20));
      assert.equal(reused.refs[0]!.url, first.refs[0]!.url);
      const retention = 30 * day;
      await sweepAttachments(retention, at(29));
      assert.equal(await files().countDocuments({ 'metadata.channelKey': owner.channelKey }), 2, 'nothing is 30 days unused yet');
      await sweepAttachments(retention, at(40));
      const left = await files().find({ 'metadata.channelKey': owner.channelKey }).toArray();
      assert.deepEqual(left.map((f) => f.metadata?.sha256), [sha256(kept)], 'the one sent again on day 20 stays');
      await sweepAttachments(retention, at(51));
      assert.equal(await files().countDocuments({ 'metadata.channelKey': owner.channelKey }), 0);
      assert.equal(await mongoose.connection.collection('attachments.chunks').countDocuments({ files_id: { $in: first.refs.map((r) => r.url.split('/').at(-1)!) } as never }), 0, 'chunks go too');
    });
  });

  describe('in the logs', () => {
    const lines: string[] = [];
    const logged = useStackWithReceiver({ logLines: lines });

    it('never writes an attachment id, only the route\'s pattern', async () => {
      const own = await channelWithBot(logged.receiver.url);
      const posted = await logged.stack.postMessage({ channelID: own.channelID, token: own.token, message: 'x', attachments: [{ base64: dataUrl('image/png', PNG) }] });
      assert.equal(posted.status, 200);
      let url = '';
      await eventually(async () => {
        const { transcript } = await logged.stack.client.workflow.getHandle(sessionWorkflowId(own.channelKey, posted.body.userID!)).query(stateQuery);
        const entry = transcript.find((e) => e.kind === 'user') as { attachments?: { url: string }[] } | undefined;
        assert.ok(entry?.attachments?.[0]);
        url = entry.attachments[0].url;
      });
      const id = url.split('/').at(-1)!;
      assert.equal((await fetch(url)).status, 200);
      assert.equal((await fetch(url.replace(id, 'B'.repeat(32)))).status, 404);
      const requests = lines.filter((line) => line.includes('"msg":"request"'));
      assert.ok(requests.some((line) => line.includes('/v1/attachments/:id')), `the fetches were logged: ${requests.length} request lines`);
      assert.deepEqual(lines.filter((line) => line.includes(id) || line.includes('B'.repeat(32))), []);
    });
  });
});

