import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const ROOT = resolve(__dirname, '..');
const NOT_WORK = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/**
 * The top frames by self time, and self time by package, of every `.cpuprofile` (node --cpu-prof) in `dir`:
 * what a process spent its CPU on. Idle time is left out of the shares; garbage collection is shown apart.
 */
export function printProfileSummary(name: string, dir: string, top = 12): void {
  const byFrame = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  let gc = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const { nodes } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[] };
    for (const { callFrame, hitCount = 0 } of nodes) {
      if (hitCount === 0 || callFrame.functionName === '(idle)') continue;
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
  console.log(`\ncpu profile of the ${name} process (${dir}): self time, ${share(gc).trim()} in garbage collection`);
  for (const [owner, hits] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${share(hits)}  ${owner}`);
  console.log('  top frames:');
  for (const [frame, hits] of [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${share(hits)}  ${frame}`);
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
