/** Not a workflow: the OpenTelemetry interceptors bundled into traced workers (src/temporal/worker.ts). */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { Next, QueryInput, WorkflowInboundCallsInterceptor, WorkflowInterceptors } from '@temporalio/workflow';

/**
 * The package's inbound interceptor, except that queries are not traced. A span's ids come from the workflow's
 * seeded random stream, and a query is not in history: a span made for it would shift every random value drawn
 * after it, so a replay would draw differently from the run it replays (the dashboard queries every 2 s).
 */
class InboundWithoutQuerySpans extends OpenTelemetryInboundInterceptor {
  override async handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    return next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new InboundWithoutQuerySpans()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
