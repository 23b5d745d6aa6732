import assert from 'node:assert/strict';
import { freePort } from '../../src/dev/servers';
import { startApiProcess } from '../helpers/api-process';
import { eventually } from '../helpers/eventually';
import { channelWithBot } from '../helpers/fixtures';
import { Receiver } from '../helpers/receiver';
import { testDatabase } from '../helpers/stack';
import { startWorkerProcess } from '../helpers/worker-process';
import { DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS } from '../../src/temporal/worker';

/** The value of a Prometheus sample, or 0 when absent: `parley_x_total{outcome="delivered"}`. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{` : `${name} `) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('Prometheus /metrics on the API and the worker (real processes)', function () {
  this.timeout(120_000);
  const processes: { stop(): Promise<void> }[] = [];
  let receiver: Receiver;
  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await receiver?.down();
  });

  it('counts accepted and rejected messages, deliveries and sessions, with the Temporal SDK\'s own metrics beside them', async () => {
    await testDatabase();
    receiver = await Receiver.start();
    const taskQueue = `metrics-${Date.now()}`;
    const [workerMetricsPort, temporalMetricsPort] = [await freePort(), await freePort()];
    // Traces go to a collector that is not there: nothing may fail or wait for it.
    const api = await startApiProcess(taskQueue, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    processes.push(api, await startWorkerProcess(taskQueue, { WORKER_METRICS_PORT: String(workerMetricsPort), TEMPORAL_METRICS_PORT: String(temporalMetricsPort) }));
    const channel = await channelWithBot(receiver.url);

    const post = (body: object) => fetch(`${api.baseUrl}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post({ channelID: channel.channelID, token: channel.token, message: '#drinks' })).status, 200);
    assert.equal((await post({ channelID: channel.channelID, token: 'wrong', message: 'hi' })).status, 401);
    await receiver.waitFor(1);

    const apiMetrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    assert.equal(sample(apiMetrics, 'parley_messages_accepted_total'), 1);
    assert.equal(sample(apiMetrics, 'parley_messages_rejected_total', 'code="unauthorized"'), 1);
    assert.equal(sample(apiMetrics, 'parley_accept_duration_seconds_count'), 1);
    assert.ok(sample(apiMetrics, 'parley_accept_duration_seconds_sum') < 2, 'accepted without waiting for the missing collector');

    await eventually(async () => {
      const workerMetrics = await (await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).text();
      assert.equal(sample(workerMetrics, 'parley_webhook_deliveries_total', 'outcome="delivered"'), 1);
      assert.equal(sample(workerMetrics, 'parley_end_to_end_duration_seconds_count'), 1);
      assert.equal(sample(workerMetrics, 'parley_webhook_attempts_per_delivery_count'), 1);
      // Counted by the workflow itself, through the Temporal SDK's metrics (with its labels).
      assert.equal(sample(workerMetrics, 'parley_sessions_started_total', `taskQueue="${taskQueue}"`), 1);
      assert.match(workerMetrics, /^temporal_[a-z_]+/m, 'the Temporal SDK metrics are included');
      // Workflow task slots, taken or free, are the worker's cap (src/temporal/worker.ts), not the SDK's 40.
      const slots = (state: string) => sample(workerMetrics, `temporal_worker_task_slots_${state}`, 'worker_type="WorkflowWorker"');
      assert.equal(slots('used') + slots('available'), DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS);
    });
  });
});
