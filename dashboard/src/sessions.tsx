import { useEffect, useState } from 'preact/hooks';
import { api, listPage, type Channel, type SessionRow, type SessionState, type UserErasure } from './api';
import { Dialog, Empty, ErrorText, MoreButton, PAGE_SIZE, useAction, useLoad, usePages, when } from './ui';

export interface DashboardConfig {
  temporalUiUrl: string;
  namespace: string;
}

const REFRESH_MS = 2_000;

/** The sessions of a channel, from Temporal visibility. */
export function SessionsPage({ channelID }: { channelID: string }) {
  const sessions = usePages((token) => listPage<SessionRow>(`/v1/channels/${encodeURIComponent(channelID)}/sessions?limit=${PAGE_SIZE}`, 'sessions', token), [channelID]);
  const list = sessions.items ?? [];
  return (
    <section aria-labelledby="sessions-title">
      <header class="page-head">
        <h1 id="sessions-title">Sessions of {channelID}</h1>
        <button type="button" onClick={sessions.reload}>Refresh</button>
      </header>
      <ErrorText error={sessions.error} />
      {sessions.items && list.length === 0 && <Empty>No sessions yet. Send a message to this channel (see Request Example) and it shows here.</Empty>}
      {list.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead><tr><th>User</th><th>Status</th><th>Bot</th><th>Running</th><th /></tr></thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.workflowId}>
                  <td>{s.userID}</td>
                  <td>{s.status ?? '–'}</td>
                  <td><code>{s.botId ?? '–'}</code></td>
                  <td>{s.running ? 'yes' : 'no'}</td>
                  <td><a href={`#/channels/${encodeURIComponent(channelID)}/users/${s.userID}`}>Open session {s.userID}</a></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton pages={sessions} />
    </section>
  );
}

/** One session: its transcript, refreshed live; an agent can write to the user and hand back to the bot. */
export function SessionPage({ channelID, userID, config }: { channelID: string; userID: number; config: DashboardConfig | null }) {
  const base = `/v1/channels/${encodeURIComponent(channelID)}/users/${userID}`;
  const state = useLoad(() => api<SessionState>('GET', `${base}/session`), [base]);
  const channel = useLoad(() => api<Channel>('GET', `/v1/channels/${encodeURIComponent(channelID)}`), [channelID]);
  const [erasing, setErasing] = useState(false);
  const [erased, setErased] = useState<UserErasure | null>(null);
  useEffect(() => {
    if (erased) return;
    const timer = setInterval(state.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [base, erased]);
  const [message, setMessage] = useState('');
  const send = useAction();
  const resume = useAction();
  const workflowId = channel.data ? `session-${channel.data.channelKey}-${userID}` : null;
  const submit = (event: Event) => {
    event.preventDefault();
    void send.run(async () => {
      await api('POST', `${base}/messages`, { message });
      setMessage('');
      state.reload();
    });
  };
  const resumeBot = () => void resume.run(async () => {
    await api('POST', `${base}/resume`);
    state.reload();
  });
  const transcript = state.data?.transcript ?? [];
  if (erased) return <ErasedUser erased={erased} />;
  return (
    <section aria-labelledby="session-title">
      <header class="page-head">
        <h1 id="session-title">User {userID} on {channelID}</h1>
        {workflowId && config && (
          <a href={`${config.temporalUiUrl}/namespaces/${config.namespace}/workflows/${workflowId}`} target="_blank" rel="noreferrer">Open in Temporal UI</a>
        )}
      </header>
      <ErrorText error={state.error} />
      {state.data && <p>Status: <strong>{state.data.status}</strong>{state.data.node ? `, at node ${state.data.node}` : ''}; {state.data.outboxPending} repl{state.data.outboxPending === 1 ? 'y' : 'ies'} waiting for delivery.</p>}
      {state.data && transcript.length === 0 && <Empty>Nothing said yet.</Empty>}
      <ol class="transcript" aria-label="Transcript" aria-live="polite">
        {transcript.map((entry, i) => (
          <li key={`${entry.at}-${i}`} class={entry.kind}>
            <span class="who">{entry.kind === 'agent' ? `agent ${entry.adminID}` : entry.kind}</span>
            <span class="what">{entry.kind === 'event' ? `${entry.event}${entry.detail ? `: ${entry.detail}` : ''}` : entry.text}</span>
            <time>{when(entry.at)}</time>
          </li>
        ))}
      </ol>
      <form class="panel" onSubmit={submit} aria-label="Send an admin message">
        <label>Message to the user (pauses the bot)<textarea rows={2} value={message} onInput={(e) => setMessage(e.currentTarget.value)} required /></label>
        <ErrorText error={send.error} />
        <div class="buttons">
          <button type="button" disabled={resume.busy} onClick={resumeBot}>Resume bot</button>
          <button type="submit" disabled={send.busy}>Send as agent</button>
        </div>
        <ErrorText error={resume.error} />
      </form>
      <div class="buttons">
        <button type="button" class="danger" onClick={() => setErasing(true)}>Erase user</button>
      </div>
      {erasing && <EraseUser base={base} userID={userID} onClose={() => setErasing(false)} onErased={setErased} />}
    </section>
  );
}

/** The GDPR erasure: the admin types the userID to confirm, as it cannot be undone. */
function EraseUser({ base, userID, onClose, onErased }: { base: string; userID: number; onClose: () => void; onErased: (erased: UserErasure) => void }) {
  const [typed, setTyped] = useState('');
  const action = useAction();
  const erase = () => void action.run(async () => onErased(await api<UserErasure>('DELETE', base)));
  return (
    <Dialog title={`Erase user ${userID}?`} open onClose={onClose}>
      <p class="warning">Ends the session and deletes the user's conversation log, deliveries, uploads no other user sent and idempotency records. The userID is never issued again; messages with it get 404. This cannot be undone.</p>
      <label>Type {userID} to confirm<input value={typed} onInput={(e) => setTyped(e.currentTarget.value)} inputMode="numeric" autoComplete="off" /></label>
      <ErrorText error={action.error} />
      <div class="buttons">
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="button" class="danger" disabled={action.busy || typed.trim() !== String(userID)} onClick={erase}>{action.busy ? 'Erasing…' : `Erase user ${userID}`}</button>
      </div>
    </Dialog>
  );
}

function ErasedUser({ erased }: { erased: UserErasure }) {
  const { deleted } = erased;
  return (
    <section aria-labelledby="erased-title">
      <h1 id="erased-title">User {erased.userID} erased</h1>
      <p>{erased.sessionEnded ? 'Their running session was ended.' : 'They had no running session.'} Deleted:</p>
      <ul aria-label="Deleted">
        <li>{deleted.events} conversation log events</li>
        <li>{deleted.deliveries} deliveries</li>
        <li>{deleted.attachments} uploads</li>
        <li>{deleted.idempotencyKeys} idempotency records</li>
        <li>{deleted.users} user record</li>
      </ul>
      <a href={`#/channels/${encodeURIComponent(erased.channelID)}/sessions`}>Back to the sessions</a>
    </section>
  );
}
