import type { Flow } from '../../src/schemas/flow';

/** A message, a handoff to an agent, and the bot's closing line once it is resumed: every handoff event in one flow. */
export const HANDOFF_FLOW: Flow = {
  start: 'hi',
  nodes: {
    hi: { type: 'message', text: 'Connecting you.', next: 'agent' },
    agent: { type: 'handoff', next: 'back' },
    back: { type: 'end', text: 'The bot is back.' },
  },
};
