import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../../src/webhooks/signing';
import { startApiProcess } from '../helpers/api-process';
import { eventually } from '../helpers/eventually';
import { channelWithBot } from '../helpers/fixtures';
import { testDatabase } from '../helpers/stack';
import { startWorkerProcess } from '../helpers/worker-process';

interface Seen {
  webhookId: string;
  seq: number;
  verified: boolean;
  traceparent?: string;
}

/** The worker process is killed (SIGKILL) while an attempt is in flight; a new worker finishes the delivery. */
describe('delivery across a worker crash (real worker processes, API process, Temporal, FerretDB)', function () {
  this.timeout(120_000);
  let receiver: Server;
  const seen: Seen[] = [];
  let hangNext = true;
  let secret = '';
  let firstArrived: () => void = () => undefined;
  const firstAttempt = new Promise<void>((ok) => (firstArrived = ok));

  before(async () => {
    await testDatabase();
    receiver = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        let verified = true;
        try {
          verifyWebhook(secret, body, headers);
        } catch {
          verified = false;
        }
        seen.push({ webhookId: headers['webhook-id']!, seq: (JSON.parse(body) as { seq: number }).seq, verified, traceparent: headers.traceparent });
        if (hangNext) {
          hangNext = false; // the first attempt never gets an answer: its worker dies meanwhile
          firstArrived();
          return;
        }
        res.writeHead(200).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
  });
  after(() => {
    receiver.closeAllConnections();
    receiver.close();
  });

  it('delivers the reply with the same webhook-id, no seq gap and nothing out of order', async () => {
    const taskQueue = `crash-${Date.now()}`;
    const channel = await channelWithBot(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`);
    secret = channel.webhookSecret;
    const api = await startApiProcess(taskQueue);
    let worker = await startWorkerProcess(taskQueue);
    try {
      const post = (message: string, userID?: number) =>
        fetch(`${api.baseUrl}/v1/messages`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ channelID: channel.channelID, token: channel.token, message, userID }),
        }).then((r) => r.json() as Promise<{ userID: number; success: boolean }>);
      const { userID, success } = await post('#drinks');
      assert.equal(success, true);
      await firstAttempt;
      await worker.kill(); // mid-attempt: the receiver holds the request open
      worker = await startWorkerProcess(taskQueue);
      await eventually(async () => assert.equal(seen.length, 2), 60_000);
      await post('Tea', userID);
      await eventually(async () => assert.equal(seen.length, 4), 30_000);

      assert.equal(seen[1]!.webhookId, seen[0]!.webhookId, 'the retried attempt carries the same webhook-id');
      assert.deepEqual(seen.map((s) => s.seq), [1, 1, 2, 3], 'no gap, nothing out of order');
      assert.ok(seen.every((s) => s.verified), 'every attempt is signed');
      // The trace a message started survives the crash: the attempt the new worker makes continues it.
      const traces = seen.map((s) => /^00-([0-9a-f]{32})-[0-9a-f]{16}-0[01]$/.exec(s.traceparent ?? '')?.[1]);
      assert.ok(traces.every(Boolean), `a traceparent on every attempt: ${seen.map((s) => s.traceparent).join(', ')}`);
      assert.equal(traces[1], traces[0], 'the retried attempt continues the trace of the message it answers');
      assert.notEqual(traces[3], traces[0], 'another message, another trace');
    } finally {
      await worker.stop();
      await api.stop();
    }
  });
});
