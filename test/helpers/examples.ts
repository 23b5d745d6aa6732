import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { flowSchema, type Flow } from '../../src/schemas/flow';

/** An example bot from examples/, as POST /v1/bots takes it; its flow is checked, so a broken example fails here. */
export function exampleBot(name: 'pizza-order' | 'support-desk'): { name: string; flow: Flow } {
  const bot = JSON.parse(readFileSync(resolve(__dirname, '../../examples', `${name}.json`), 'utf8')) as { name: string; flow: unknown };
  return { name: bot.name, flow: flowSchema.parse(bot.flow) };
}
