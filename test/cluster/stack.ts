import { connectDatabase, disconnectDatabase } from '../../src/db/connect';
import { startApiProcess, type ApiProcess } from '../../src/dev/api-process';
import { startWorkerProcess, type WorkerProcess } from '../../src/dev/worker-process';
import type { Flow } from '../../src/schemas/flow';
import { channelWithBot, type ChannelFixture } from '../helpers/fixtures';
import { Receiver } from '../helpers/receiver';
import { startHoldProxy } from './hold-proxy';
import type { Replica } from './replicas';
import { NAMESPACE, startClusterServers, type ClusterServers } from './servers';

/** Echoes every answer: one webhook per user message once "#echo" has started it (the bench's bot). */
export const ECHO_FLOW: Flow = { start: 'ask', nodes: { ask: { type: 'question', text: 'echo: {{said}}', saveAs: 'said', next: 'ask' } } };
const TASK_QUEUE = 'parley-sessions';

export interface ApiReplica extends Replica {
  process: ApiProcess;
}

export interface ClusterStack {
  servers: ClusterServers;
  receiver: Receiver;
  proxy: Awaited<ReturnType<typeof startHoldProxy>>;
  channel: ChannelFixture;
  replicas: ApiReplica[];
  workers: WorkerProcess[];
  startApi(): Promise<ApiReplica>;
  startWorker(): Promise<WorkerProcess>;
  stop(): Promise<void>;
}

/** The production shape on loopback: two API processes, two workers on one task queue, the cluster behind them. */
export async function startClusterStack(): Promise<ClusterStack> {
  const servers = await startClusterServers();
  const receiver = await Receiver.start();
  const proxy = await startHoldProxy(receiver.url);
  const common = { temporalAddress: servers.temporal.address, mongoUri: servers.mongoUri, taskQueue: TASK_QUEUE };
  // Short retry delays so a failed delivery comes back within the test; everything else as configured in production.
  const env = { TEMPORAL_NAMESPACE: NAMESPACE, WEBHOOK_RETRY_SCHEDULE: '1s,2s,2s,5s,5s,10s,10s' };
  const replicas: ApiReplica[] = [];
  const workers: WorkerProcess[] = [];
  const startApi = async () => {
    const process = await startApiProcess({ ...common, redisUrl: servers.redisUrl, env });
    const replica = { baseUrl: process.baseUrl, down: false, inFlight: 0, process };
    replicas.push(replica);
    return replica;
  };
  const startWorker = async () => {
    const worker = await startWorkerProcess({ ...common, env });
    workers.push(worker);
    return worker;
  };
  const stop = async () => {
    await Promise.all(replicas.map((replica) => replica.process.stop()));
    await Promise.all(workers.map((worker) => worker.stop()));
    await disconnectDatabase();
    await proxy.close();
    await receiver.down();
    await servers.stop();
  };
  try {
    await connectDatabase(servers.mongoUri);
    // One at a time: two cores, and each process bundles or compiles on start.
    await startWorker();
    await startWorker();
    await startApi();
    await startApi();
    const channel = await channelWithBot(proxy.url, 'echo', 'pro', ECHO_FLOW);
    receiver.useSecret(channel.webhookSecret);
    return { servers, receiver, proxy, channel, replicas, workers, startApi, startWorker, stop };
  } catch (err) {
    await stop(); // API and worker processes outlive this one otherwise
    throw err;
  }
}
