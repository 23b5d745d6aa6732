/**
 * Preloaded by the bundle (src/temporal/worker.ts): the modules imported here are evaluated once per worker and
 * shared, frozen, by every workflow in the reusable V8 context. Left out, each cached session evaluates and holds
 * its own copy (re2js's tables are about 90 KB a session). Stateless libraries only: nothing that keeps
 * per-workflow state at module level. `@temporalio/workflow` qualifies: the SDK already shares every module of
 * it but this index, and its functions find the running workflow when called.
 * (A bare `import 'x'` would be dropped, as these packages declare no side effects: the namespaces are exported.)
 */
import * as workflowApi from '@temporalio/workflow';
import * as re2js from 're2js';

export const SHARED_LIBRARIES = { re2js, workflowApi };
