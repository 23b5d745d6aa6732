import { useState } from 'preact/hooks';
import { api, listPage, type Attempt, type Delivery } from './api';
import { Empty, ErrorText, MoreButton, PAGE_SIZE, useAction, usePages, when } from './ui';

/** The delivery log of a channel: recent or failed deliveries, their attempts, and redelivery. */
export function DeliveriesPage({ channelID }: { channelID: string }) {
  const [state, setState] = useState('');
  const path = `/v1/channels/${encodeURIComponent(channelID)}/deliveries`;
  const deliveries = usePages((token) => listPage<Delivery>(`${path}?limit=${PAGE_SIZE}${state ? `&state=${state}` : ''}`, 'deliveries', token), [path, state]);
  const list = deliveries.items ?? [];
  return (
    <section aria-labelledby="deliveries-title">
      <header class="page-head">
        <h1 id="deliveries-title">Deliveries of {channelID}</h1>
        <label class="inline">Show
          <select value={state} onChange={(e) => setState(e.currentTarget.value)}>
            <option value="">all recent</option>
            <option value="failed">failed</option>
            <option value="pending">pending</option>
            <option value="delivered">delivered</option>
          </select>
        </label>
      </header>
      <ErrorText error={deliveries.error} />
      {deliveries.items && list.length === 0 && <Empty>No deliveries {state ? `in state "${state}"` : 'yet'}. Bot and agent replies appear here as they are sent to the webhook.</Empty>}
      {list.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead><tr><th>Created</th><th>User</th><th>Seq</th><th>State</th><th>Attempts</th><th>Last attempt</th><th /></tr></thead>
            <tbody>{list.map((d) => <DeliveryRow key={d.webhookId} path={path} delivery={d} onChange={deliveries.reload} />)}</tbody>
          </table>
        </div>
      )}
      <MoreButton pages={deliveries} />
    </section>
  );
}

function describe(attempt?: Attempt): string {
  if (!attempt) return '–';
  return `${attempt.status ?? attempt.error ?? '?'}${attempt.latencyMs !== undefined ? ` in ${attempt.latencyMs} ms` : ''}, ${when(attempt.at)}`;
}

function DeliveryRow({ path, delivery, onChange }: { path: string; delivery: Delivery; onChange: () => void }) {
  const action = useAction();
  const [queued, setQueued] = useState(false);
  const redeliver = () => void action.run(async () => {
    await api('POST', `${path}/${encodeURIComponent(delivery.webhookId)}/redeliver`);
    setQueued(true);
    onChange();
  });
  return (
    <tr>
      <td>{when(delivery.createdAt)}</td>
      <td>{delivery.userID}</td>
      <td>{delivery.seq}</td>
      <td>{delivery.state}{delivery.waiting ? ` (${delivery.waiting})` : ''}</td>
      <td>{delivery.attemptCount}</td>
      <td>{describe(delivery.lastAttempt)}</td>
      <td class="actions">
        <button type="button" disabled={action.busy} onClick={redeliver}>Redeliver</button>
        {queued && <span role="status">Queued again.</span>}
        <ErrorText error={action.error} />
      </td>
    </tr>
  );
}
