import { Context } from '@temporalio/activity';

/**
 * Aborts once Temporal has given the calling attempt up (timed out, cancelled, reset, no longer known): the work
 * it stops would be done again by the retry. Unlike the context's own signal it stays quiet when the worker shuts
 * down: an attempt that has POSTed already finishes logging rather than failing, which would send the reply again.
 */
export function givenUpSignal(): AbortSignal {
  const context = Context.current();
  const givenUp = new AbortController();
  const { cancellationSignal } = context;
  const onCancel = () => {
    if (!context.cancellationDetails?.workerShutdown) givenUp.abort(cancellationSignal.reason);
  };
  if (cancellationSignal.aborted) onCancel();
  else cancellationSignal.addEventListener('abort', onCancel, { once: true });
  return givenUp.signal;
}
