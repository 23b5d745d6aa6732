export interface RunResult {
  name: string;
  accept: number[];
  endToEnd: number[];
  errors: number;
  seconds: number;
}

export interface Summary {
  name: string;
  acceptP50: number;
  acceptP99: number;
  e2eP50: number;
  e2eP99: number;
  throughput: number;
  errors: number;
}

/** One side's rounds as one sample; throughput is total messages over total time. */
export function merge(name: string, runs: RunResult[]): RunResult {
  return {
    name,
    accept: runs.flatMap((r) => r.accept),
    endToEnd: runs.flatMap((r) => r.endToEnd),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    seconds: runs.reduce((sum, r) => sum + r.seconds, 0),
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function summarize(run: RunResult): Summary {
  return {
    name: run.name,
    acceptP50: percentile(run.accept, 50),
    acceptP99: percentile(run.accept, 99),
    e2eP50: percentile(run.endToEnd, 50),
    e2eP99: percentile(run.endToEnd, 99),
    throughput: run.endToEnd.length / run.seconds,
    errors: run.errors,
  };
}

/** Absolute figures for both, and Parley's as a ratio of the baseline measured in the same run. */
export function printTable(title: string, [baseline, parley]: Summary[]): void {
  if (!baseline || !parley) throw new Error('need a baseline and a parley run');
  const rows: [string, keyof Summary, string][] = [
    ['accept p50', 'acceptP50', 'ms'], ['accept p99', 'acceptP99', 'ms'],
    ['end-to-end p50', 'e2eP50', 'ms'], ['end-to-end p99', 'e2eP99', 'ms'],
    ['throughput', 'throughput', 'msg/s'], ['errors', 'errors', ''],
  ];
  console.log(`\n${title}\n`);
  console.log(`${'metric'.padEnd(16)}${'baseline'.padStart(12)}${'parley'.padStart(12)}${'ratio'.padStart(9)}`);
  for (const [label, key, unit] of rows) {
    const b = baseline[key] as number;
    const p = parley[key] as number;
    const ratio = b === 0 ? (p === 0 ? '1.00' : '∞') : (p / b).toFixed(2);
    console.log(`${label.padEnd(16)}${`${b.toFixed(1)} ${unit}`.padStart(12)}${`${p.toFixed(1)} ${unit}`.padStart(12)}${`${ratio}x`.padStart(9)}`);
  }
}
