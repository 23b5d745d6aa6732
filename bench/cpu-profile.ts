import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  /** Microseconds on the machine's monotonic clock, as `process.hrtime` reads it in any process. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A span of the monotonic clock in microseconds: `process.hrtime.bigint() / 1000n` at its ends. */
export interface Window { fromUs: number; toUs: number }

/** Now on the clock V8's profiler stamps its samples with (CLOCK_MONOTONIC, shared by every process). */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

const ROOT = resolve(__dirname, '..');
const NOT_WORK = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/**
 * The top frames by self time, and self time by package, of every `.cpuprofile` (node --cpu-prof) in `dir`,
 * counting only samples taken inside `windows` (the measured rounds, so start-up and module loading stay out):
 * what a process spent its CPU on under load. Idle time is left out; garbage collection is shown apart.
 */
export function printProfileSummary(name: string, dir: string, windows: Window[], top = 12): void {
  const byFrame = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  let gc = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
    for (const [{ callFrame }, hitCount] of hitsWithin(profile, windows)) {
      if (callFrame.functionName === '(idle)') continue;
      total += hitCount;
      if (callFrame.functionName === '(garbage collector)') gc += hitCount;
      if (NOT_WORK.has(callFrame.functionName)) continue;
      const where = place(callFrame.url);
      const frame = `${callFrame.functionName || '(anonymous)'}  ${where}:${callFrame.lineNumber + 1}`;
      byFrame.set(frame, (byFrame.get(frame) ?? 0) + hitCount);
      const owner = packageOf(where);
      byPackage.set(owner, (byPackage.get(owner) ?? 0) + hitCount);
    }
  }
  const share = (hits: number) => `${((hits / total) * 100).toFixed(1)} %`.padStart(7);
  console.log(`\ncpu profile of the ${name} process under load (${dir}): ${total} samples, ${share(gc).trim()} in garbage collection; self time by package`);
  for (const [owner, hits] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${share(hits)}  ${owner}`);
  console.log('  top frames:');
  for (const [frame, hits] of [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${share(hits)}  ${frame}`);
}

/** Each node's samples taken inside one of the windows. */
function hitsWithin({ nodes, startTime, samples, timeDeltas }: Profile, windows: Window[]): Map<ProfileNode, number> {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const hits = new Map<ProfileNode, number>();
  let at = startTime;
  samples.forEach((id, i) => {
    at += timeDeltas[i]!;
    if (!windows.some(({ fromUs, toUs }) => at >= fromUs && at <= toUs)) return;
    const node = byId.get(id)!;
    hits.set(node, (hits.get(node) ?? 0) + 1);
  });
  return hits;
}

function place(url: string): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
}

/** "node_modules/@temporalio/worker/lib/x.js" → "@temporalio/worker"; Parley's own files by folder. */
function packageOf(where: string): string {
  const modules = where.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = where.slice(modules + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (where.startsWith('node:')) return 'node (built-in)';
  if (where === '(native)') return '(native)';
  return `parley ${where.split('/').slice(0, 2).join('/')}`;
}
