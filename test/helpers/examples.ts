import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** An example bot from examples/, as POST /v1/bots takes it. */
export function exampleBot(name: 'pizza-order' | 'support-desk'): { name: string; flow: Record<string, unknown> } {
  return JSON.parse(readFileSync(resolve(__dirname, '../../examples', `${name}.json`), 'utf8')) as { name: string; flow: Record<string, unknown> };
}
