import assert from 'node:assert/strict';
import { IdempotencyKey } from '../../src/db/idempotency-key';
import { adminApi } from '../helpers/admin-api';
import { channelWithBot, DRINKS_FLOW, type ChannelFixture } from '../helpers/fixtures';
import { useStackWithReceiver } from '../helpers/stack';

/** Answers the OpenAPI document promises, and hostile input a careless or malicious client can send. */
describe('the HTTP contract under hostile input (real API, Temporal, FerretDB)', function () {
  this.timeout(60_000);
  const suite = useStackWithReceiver();
  let channel: ChannelFixture;
  let api: ReturnType<typeof adminApi>;
  before(async () => {
    channel = await channelWithBot(suite.receiver.url, 'drinks', 'enterprise');
    api = adminApi(suite.stack.baseUrl, channel.apiKey);
  });
  const raw = (body: string, contentType = 'application/json') =>
    fetch(`${suite.stack.baseUrl}/v1/messages`, { method: 'POST', headers: { 'content-type': contentType }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: { code: string; message: string; details?: { path: string }[] } } }));
  const message = (extra: object) => JSON.stringify({ channelID: channel.channelID, token: channel.token, message: 'hi', ...extra });

  describe('POST /v1/messages', () => {
    for (const [name, body] of [['truncated JSON', '{"channelID": "a", '], ['a bare string', '"hello"'], ['trailing garbage', '{}x'], ['JSON null', 'null'], ['an empty body', '']] as const) {
      it(`answers 400 invalid_request for ${name}, with no stack trace`, async () => {
        const answer = await raw(body);
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.equal(answer.body.error?.code, 'invalid_request');
        assert.doesNotMatch(JSON.stringify(answer.body), /at \w+ \(|node_modules|\.ts:\d+/);
      });
    }

    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      it(`answers 415 for ${contentType}`, async () => {
        assert.equal((await raw(message({}), contentType)).status, 415);
      });
    }

    it('answers 400 for JSON nested 10,000 deep, and keeps serving', async () => {
      const answer = await raw(`${'['.repeat(10_000)}${']'.repeat(10_000)}`);
      assert.equal(answer.status, 400);
      const deepObject = `{"channelID":"x","token":"y","message":"hi","attachments":[${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}]}`;
      assert.equal((await raw(deepObject)).status, 400);
      assert.equal((await fetch(`${suite.stack.baseUrl}/healthz`)).status, 200);
    });

    it('takes unicode, emoji and NUL bytes in the text as text', async () => {
      const text = 'héllo 👋🏽 \u0000 \u202e مرحبا \ud83d\ude00';
      const answer = await suite.stack.postMessage(JSON.parse(message({ message: text })));
      assert.equal(answer.status, 200);
      assert.equal(answer.body.message, text);
    });

    for (const [name, userID] of [['a number beyond the safe integer range', '9007199254740993'], ['1e400', '1e400'], ['a fraction', '1.5'], ['a numeric string', '"7"'], ['an object', '{"$gt": 0}'], ['an array', '[1]'], ['null', 'null'], ['true', 'true']] as const) {
      it(`refuses ${name} as userID with 400 at userID`, async () => {
        const body = `{"channelID":"${channel.channelID}","token":"${channel.token}","message":"hi","userID":${userID}}`;
        const answer = await raw(body);
        assert.equal(answer.status, 400);
        assert.equal(answer.body.error?.details?.[0]?.path, 'userID');
      });
    }

    for (const key of ['__proto__', 'constructor', 'prototype']) {
      it(`refuses a "${key}" key with 400 and pollutes nothing`, async () => {
        const answer = await raw(`{"channelID":"${channel.channelID}","token":"${channel.token}","message":"hi","${key}":{"polluted":true}}`);
        assert.equal(answer.status, 400);
        assert.equal(({} as { polluted?: boolean }).polluted, undefined);
        const nested = await raw(message({ attachments: [JSON.parse(`{"${key}":{"polluted":true},"url":"https://a.example/x.png"}`)] }));
        assert.equal(nested.status, 400);
        assert.equal(({} as { polluted?: boolean }).polluted, undefined);
      });
    }

    it('answers 409 idempotency_key_in_progress while the first request with the key is still being accepted', async () => {
      const post = () => suite.stack.postMessage(JSON.parse(message({ message: 'slow' })), { headers: { 'idempotency-key': 'in-progress-1' } });
      const first = await post();
      assert.equal(first.status, 200);
      await IdempotencyKey.updateMany({ state: 'done', 'answer.userID': first.body.userID }, { $set: { state: 'pending', leaseUntil: new Date(Date.now() + 60_000) } });
      const second = await post();
      assert.equal(second.status, 409);
      assert.equal(second.body.error?.code, 'idempotency_key_in_progress');
    });
  });

  describe('management routes', () => {
    it('answer 400 at the field, and 409 for a taken channelID, on create and on change', async () => {
      const bad = await api('POST', '/v1/channels', { webhookUrl: 'ftp://x' });
      assert.deepEqual([bad.status, bad.body.error.details[0].path], [400, 'webhookUrl']);
      const taken = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url, channelID: channel.channelID });
      assert.deepEqual([taken.status, taken.body.error.code], [409, 'channel_id_taken']);
      const other = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url });
      const renamed = await api('PATCH', `/v1/channels/${other.body.channelID}`, { channelID: channel.channelID });
      assert.deepEqual([renamed.status, renamed.body.error.code], [409, 'channel_id_taken']);
    });

    it('answer 400 for a malformed path or query parameter', async () => {
      const { channelID } = channel;
      for (const [method, path, field] of [
        ['GET', `/v1/channels/${channelID}/users/abc/session`, 'userID'],
        ['POST', `/v1/channels/${channelID}/users/-1/resume`, 'userID'],
        ['GET', `/v1/channels/${channelID}/sessions?pageToken=bm90LWpzb24`, 'pageToken'],
        ['GET', `/v1/bots/${channel.botId}?version=first`, 'version'],
        ['GET', `/v1/channels/${channelID}/deliveries/${'w'.repeat(129)}`, 'webhookId'],
        ['POST', `/v1/channels/${channelID}/deliveries/${'w'.repeat(129)}/redeliver`, 'webhookId'],
        ['DELETE', `/v1/channels/${channelID}/deployments/${'k'.repeat(200)}`, 'keyword'],
      ] as const) {
        const answer = await api(method, path);
        assert.equal(answer.status, 400, `${method} ${path}`);
        assert.equal(answer.body.error.details[0].path, field, `${method} ${path}`);
      }
    });

    it('answer 409 bot_changed to saves of one bot racing each other, never losing a version', async () => {
      let statuses: number[] = [];
      for (let round = 0; round < 3 && !statuses.includes(409); round++) {
        const answers = await Promise.all(Array.from({ length: 8 }, () => api('PUT', `/v1/bots/${channel.botId}`, { flow: DRINKS_FLOW })));
        statuses = answers.map((a) => a.status);
        const versions = answers.filter((a) => a.status === 200).map((a) => a.body.version as number);
        assert.equal(new Set(versions).size, versions.length, 'no version saved twice');
      }
      assert.ok(statuses.every((s) => s === 200 || s === 409), statuses.join());
      assert.ok(statuses.includes(409), `racing saves: ${statuses.join()}`);
    });
  });

  it('serves the docs page and its renderer from this server, with no CDN', async () => {
    const page = await fetch(`${suite.stack.baseUrl}/docs`);
    assert.equal(page.status, 200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url!);
    assert.ok(assets.length >= 2 && assets.every((url) => url.startsWith('/docs/')), assets.join(' '));
    for (const asset of assets) assert.equal((await fetch(`${suite.stack.baseUrl}${asset}`)).status, 200, asset);
    assert.match(html, /url: '\/openapi.json'/);
  });
});
