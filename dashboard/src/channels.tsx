import { useState } from 'preact/hooks';
import { EVENT_TYPES, eventDescription } from '../../src/events/names';
import { api, generated, listPage, type Channel } from './api';
import { Dialog, Empty, ErrorText, FormFooter, MoreButton, PAGE_SIZE, useAction, useLoad, usePages, when } from './ui';

interface WebhookTest {
  reachable: boolean;
  status?: number;
  latencyMs: number;
  error?: string;
}

/** Settings → Integrations → API channels. */
export function ChannelsPage() {
  const channels = usePages((token) => listPage<Channel>(`/v1/channels?limit=${PAGE_SIZE}`, 'channels', token));
  const [adding, setAdding] = useState(false);
  const list = channels.items ?? [];
  return (
    <section aria-labelledby="channels-title">
      <header class="page-head">
        <h1 id="channels-title">API channels</h1>
        <button type="button" onClick={() => setAdding(true)}>Add Channel</button>
      </header>
      <ErrorText error={channels.error} />
      {channels.items && list.length === 0 && <Empty>No API channels yet. Add one, give it your webhook URL, then deploy a bot to it.</Empty>}
      {list.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr><th>Channel ID</th><th>Webhook URL</th><th>Status</th><th>Deployments</th><th>Created</th><th>Actions</th></tr>
            </thead>
            <tbody>
              {list.map((channel) => <ChannelRow key={channel.channelID} channel={channel} onChange={channels.reload} />)}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton pages={channels} />
      <AddChannel open={adding} onClose={() => setAdding(false)} onCreated={channels.reload} />
    </section>
  );
}

function ChannelRow({ channel, onChange }: { channel: Channel; onChange: () => void }) {
  const [dialog, setDialog] = useState<'test' | 'example' | 'edit' | 'delete' | null>(null);
  const close = () => setDialog(null);
  const base = `#/channels/${encodeURIComponent(channel.channelID)}`;
  return (
    <tr>
      <td><code>{channel.channelID}</code></td>
      <td class="url">{channel.webhookUrl}</td>
      <td>{channel.status}{channel.disabledReason ? ` (${channel.disabledReason})` : ''}</td>
      <td>{channel.deployments}</td>
      <td>{when(channel.createdAt)}</td>
      <td class="actions">
        <button type="button" onClick={() => setDialog('test')}>Test Webhook</button>
        <button type="button" onClick={() => setDialog('example')}>Request Example</button>
        <button type="button" onClick={() => setDialog('edit')}>Reconfigure</button>
        <a href={`${base}/sessions`}>Sessions</a>
        <a href={`${base}/deliveries`}>Deliveries</a>
        <button type="button" class="danger" onClick={() => setDialog('delete')}>Delete</button>
        {dialog === 'test' && <TestWebhook channel={channel} onClose={close} />}
        {dialog === 'example' && <RequestExample channel={channel} onClose={close} />}
        {dialog === 'edit' && <Reconfigure channel={channel} onClose={close} onSaved={onChange} />}
        {dialog === 'delete' && <DeleteChannel channel={channel} onClose={close} onDeleted={onChange} />}
      </td>
    </tr>
  );
}

function AddChannel({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: () => void }) {
  const [channelID, setChannelID] = useState(() => generated(16));
  const [token, setToken] = useState(() => generated(32));
  const [webhookUrl, setWebhookUrl] = useState('');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await api('POST', '/v1/channels', { channelID, token, webhookUrl });
      onCreated();
      onClose();
      setChannelID(generated(16));
      setToken(generated(32));
      setWebhookUrl('');
    });
  };
  return (
    <Dialog title="Add Channel" open={open} onClose={onClose}>
      <form onSubmit={submit}>
        <label>Channel ID<input name="channelID" value={channelID} onInput={(e) => setChannelID(e.currentTarget.value)} required minLength={3} maxLength={64} /></label>
        <label>Channel token<input name="token" value={token} onInput={(e) => setToken(e.currentTarget.value)} required minLength={24} /></label>
        <label>Webhook URL<input name="webhookUrl" type="url" value={webhookUrl} onInput={(e) => setWebhookUrl(e.currentTarget.value)} placeholder="https://example.com/parley-webhook" required /></label>
        <p class="hint">Replies are POSTed to the webhook URL as JSON; it should answer 200.</p>
        <FormFooter error={action.error} busy={action.busy} submit="Create channel" onCancel={onClose} />
      </form>
    </Dialog>
  );
}

function TestWebhook({ channel, onClose }: { channel: Channel; onClose: () => void }) {
  const result = useLoad(() => api<WebhookTest>('POST', `/v1/channels/${encodeURIComponent(channel.channelID)}/test-webhook`));
  const test = result.data;
  return (
    <Dialog title={`Test webhook of ${channel.channelID}`} open onClose={onClose}>
      {!test && !result.error && <p>Sending a signed test event…</p>}
      <ErrorText error={result.error} />
      {test && (
        <p role="status" class={test.reachable ? 'ok' : 'error'}>
          {test.reachable ? 'Reachable' : 'Not reachable'}
          {test.status !== undefined ? `: answered ${test.status}` : ''} in {test.latencyMs} ms{test.error ? ` (${test.error})` : ''}
        </p>
      )}
      <div class="buttons"><button type="button" onClick={onClose}>Close</button></div>
    </Dialog>
  );
}

function RequestExample({ channel, onClose }: { channel: Channel; onClose: () => void }) {
  const example = useLoad(() => api<{ url: string; body: unknown; curl: string }>('GET', `/v1/channels/${encodeURIComponent(channel.channelID)}/request-example`));
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(example.data!.curl);
    setCopied(true);
  };
  return (
    <Dialog title={`Request example for ${channel.channelID}`} open onClose={onClose}>
      <ErrorText error={example.error} />
      {example.data && (
        <>
          <pre class="example" aria-label="curl command">{example.data.curl}</pre>
          <pre class="example" aria-label="JSON body">{JSON.stringify(example.data.body, null, 2)}</pre>
        </>
      )}
      <div class="buttons">
        <span role="status">{copied ? 'Copied to the clipboard.' : ''}</span>
        <button type="button" disabled={!example.data} onClick={() => void copy()}>Copy curl</button>
        <button type="button" onClick={onClose}>Close</button>
      </div>
    </Dialog>
  );
}

function Reconfigure({ channel, onClose, onSaved }: { channel: Channel; onClose: () => void; onSaved: () => void }) {
  const [webhookUrl, setWebhookUrl] = useState(channel.webhookUrl);
  const [channelID, setChannelID] = useState(channel.channelID);
  const [token, setToken] = useState('');
  const [events, setEvents] = useState(() => new Set(channel.webhookEvents));
  const eventsChanged = events.size !== channel.webhookEvents.length || channel.webhookEvents.some((type) => !events.has(type));
  const toggle = (type: string, on: boolean) => setEvents((chosen) => new Set(on ? [...chosen, type] : [...chosen].filter((t) => t !== type)));
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const patch = {
        ...(webhookUrl !== channel.webhookUrl ? { webhookUrl } : {}),
        ...(channelID !== channel.channelID ? { channelID } : {}),
        ...(token ? { token } : {}),
        ...(eventsChanged ? { webhookEvents: EVENT_TYPES.filter((type) => events.has(type)) } : {}),
        ...(channel.status === 'disabled' ? { status: 'active' } : {}),
      };
      await api('PATCH', `/v1/channels/${encodeURIComponent(channel.channelID)}`, patch);
      onSaved();
      onClose();
    });
  };
  return (
    <Dialog title={`Reconfigure ${channel.channelID}`} open onClose={onClose}>
      <form onSubmit={submit}>
        <label>Webhook URL<input type="url" value={webhookUrl} onInput={(e) => setWebhookUrl(e.currentTarget.value)} required /></label>
        <label>Channel ID<input value={channelID} onInput={(e) => setChannelID(e.currentTarget.value)} required /></label>
        <label>New token (leave empty to keep it)<input value={token} onInput={(e) => setToken(e.currentTarget.value)} /></label>
        <fieldset>
          <legend>Webhook events</legend>
          <p class="hint">What the webhook receives; the conversation log keeps every event either way.</p>
          {EVENT_TYPES.map((type) => (
            <label key={type} class="inline">
              <input type="checkbox" checked={events.has(type)} onChange={(e) => toggle(type, e.currentTarget.checked)} />
              <span><code>{type}</code> {eventDescription(type)}</span>
            </label>
          ))}
        </fieldset>
        {channel.status === 'disabled' && <p class="hint">Saving re-enables the channel; waiting deliveries go out in order.</p>}
        <FormFooter error={action.error} busy={action.busy} submit="Save" onCancel={onClose} />
      </form>
    </Dialog>
  );
}

function DeleteChannel({ channel, onClose, onDeleted }: { channel: Channel; onClose: () => void; onDeleted: () => void }) {
  const action = useAction();
  const remove = () =>
    void action.run(async () => {
      await api('DELETE', `/v1/channels/${encodeURIComponent(channel.channelID)}`);
      onDeleted();
      onClose();
    });
  return (
    <Dialog title={`Delete ${channel.channelID}?`} open onClose={onClose}>
      <p class="warning">Its {channel.deployments} bot deployment{channel.deployments === 1 ? '' : 's'}, its sessions and users, its delivery log and conversation log are deleted too. This cannot be undone.</p>
      <ErrorText error={action.error} />
      <div class="buttons">
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="button" class="danger" disabled={action.busy} onClick={remove}>Delete channel</button>
      </div>
    </Dialog>
  );
}
