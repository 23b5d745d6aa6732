import { TestWorkflowEnvironment } from '@temporalio/testing';
import { TEMPORAL_TEST_SERVER } from '../../src/dev/servers';
import { addSearchAttributes } from '../../src/temporal/search-attributes';

/** The pinned time-skipping test server (from .tools), with Parley's search attributes registered. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: TEMPORAL_TEST_SERVER } },
  });
  try {
    await addSearchAttributes(env.connection, 'default');
  } catch (err) {
    await env.teardown(); // never leave a test server running behind a failed set-up
    throw err;
  }
  return env;
}
