export interface TemporalPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  metrics: number;
  membership: Record<'frontend' | 'history' | 'matching' | 'worker', number>;
}

export interface TemporalConfigOptions {
  postgresPort: number;
  ports: TemporalPorts;
  /** Fixed for the life of the databases: production picks it once (512 or more), tests a few. */
  numHistoryShards: number;
  dynamicConfigFile: string;
}

/**
 * The server's static config (what auto-setup renders from its env vars in docker-compose.yml): persistence and
 * visibility on PostgreSQL (postgres12 plugin), every port on 127.0.0.1.
 */
export function temporalServerConfig({ postgresPort, ports, numHistoryShards, dynamicConfigFile }: TemporalConfigOptions): string {
  const store = (database: string, maxConns: number) => `
      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: "127.0.0.1:${postgresPort}"
        connectProtocol: tcp
        user: temporal
        password: temporal
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const service = (name: keyof TemporalPorts['membership'], grpcPort: number, extra = '') => `
  ${name}:
    rpc:
      grpcPort: ${grpcPort}
      membershipPort: ${ports.membership[name]}
      bindOnIP: 127.0.0.1${extra}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${numHistoryShards}
  datastores:
    postgres-default:${store('temporal', 20)}
    postgres-visibility:${store('temporal_visibility', 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: "127.0.0.1:${ports.metrics}"
services:${service('frontend', ports.frontend, `\n      httpPort: ${ports.frontendHttp}`)}${service('history', ports.history)}${service('matching', ports.matching)}${service('worker', ports.worker)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:${ports.frontend}"
      httpAddress: "127.0.0.1:${ports.frontendHttp}"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: "${dynamicConfigFile}"
  pollInterval: 10s
`;
}
