import assert from 'node:assert/strict';
import type { Flow } from '../../src/schemas/flow';
import { recordingActivities, sessionHarness } from '../helpers/session-harness';
import { useTimeSkippingEnvPerTest } from '../helpers/time-skipping';

// Patterns that backtrack for ages on JavaScript's RegExp: polynomial (n^4) and exponential.
const STORY_FLOW: Flow = {
  start: 'ask',
  nodes: {
    ask: { type: 'question', text: 'Your story?', saveAs: 'story', validate: { kind: 'regex', pattern: '\\w*\\w*\\w*\\w*!' }, retryText: 'End it with "!" please.', next: 'route' },
    route: { type: 'branch', cases: [{ if: { var: 'story', matches: '(a|a)*b' }, next: 'withB' }], else: 'plain' },
    withB: { type: 'end', text: 'A story with a b.' },
    plain: { type: 'end', text: 'Thanks, no b.' },
  },
};

describe('SessionWorkflow with hostile flow regexes (time-skipping test server)', function () {
  this.timeout(120_000);
  const env = useTimeSkippingEnvPerTest(); // a server per test: what one test leaves behind cannot hold up the next

  const { withSession, state, until } = sessionHarness(env);

  it('answers 10,000-character messages against backtracking-hostile regexes without failing a workflow task', async () => {
    const { activities, delivered } = recordingActivities({ flows: { story: STORY_FLOW } });
    await withSession(activities, async (send, workflowId) => {
      await send('story');
      await until(async () => delivered.length === 1);
      await send('a'.repeat(10_000)); // no "!": the validation must refuse it, and say so
      await until(async () => delivered.length === 2);
      assert.equal((await state(workflowId)).node, 'ask');
      await send(`${'a'.repeat(9_999)}!`); // accepted; then the branch tries (a|a)*b on it
      await until(async () => delivered.length === 3);

      assert.deepEqual(delivered.map((d) => d.entry.reply.text), ['Your story?', 'End it with "!" please.', 'Thanks, no b.']);
      const view = await state(workflowId);
      assert.equal(view.status, 'idle');
      assert.equal(view.variables.story?.length, 10_000);
      const handle = env().client.workflow.getHandle(workflowId);
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      const history = await handle.fetchHistory();
      assert.deepEqual(history.events?.filter((event) => event.workflowTaskFailedEventAttributes) ?? [], []);
    });
  });
});
