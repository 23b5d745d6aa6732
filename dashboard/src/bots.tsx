import { useState } from 'preact/hooks';
import { api, listPage, type Bot, type Channel } from './api';
import { Empty, ErrorText, FormFooter, MoreButton, PAGE_SIZE, useAction, useLoad, usePages } from './ui';

const EXAMPLE_FLOW = JSON.stringify({
  start: 'ask',
  nodes: {
    ask: { type: 'question', text: 'Tea or coffee?', quickReplies: ['Tea', 'Coffee'], saveAs: 'drink', next: 'done' },
    done: { type: 'end', text: 'One {{drink}} coming up.' },
  },
}, null, 2);

/** Chatbots: their flows (JSON, validated by the API at each node's path) and their API deployments. */
export function BotsPage() {
  const bots = usePages((token) => listPage<Bot>(`/v1/bots?limit=${PAGE_SIZE}`, 'bots', token));
  const [editing, setEditing] = useState<Bot | 'new' | null>(null);
  const list = bots.items ?? [];
  return (
    <section aria-labelledby="bots-title">
      <header class="page-head">
        <h1 id="bots-title">Chatbots</h1>
        <button type="button" onClick={() => setEditing('new')}>New bot</button>
      </header>
      <ErrorText error={bots.error} />
      {bots.items && list.length === 0 && !editing && <Empty>No bots yet. Create one from a flow, then deploy it to a channel under a keyword.</Empty>}
      {list.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead><tr><th>Name</th><th>Version</th><th>Status</th><th>Actions</th></tr></thead>
            <tbody>
              {list.map((bot) => (
                <tr key={bot.botId}>
                  <td>{bot.name}</td>
                  <td>{bot.version}</td>
                  <td>{bot.status === 'ready' ? 'Ready to Deploy' : 'Draft'}</td>
                  <td class="actions"><button type="button" onClick={() => setEditing(bot)}>Edit flow</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton pages={bots} />
      {editing && <FlowEditor key={editing === 'new' ? 'new' : editing.botId} bot={editing === 'new' ? null : editing} onDone={() => (setEditing(null), bots.reload())} />}
      {list.some((b) => b.status === 'ready') && <Deploy bots={list.filter((b) => b.status === 'ready')} />}
    </section>
  );
}

function FlowEditor({ bot, onDone }: { bot: Bot | null; onDone: () => void }) {
  const current = useLoad(async () => (bot ? api<Bot>('GET', `/v1/bots/${bot.botId}`) : null));
  const [name, setName] = useState(bot?.name ?? '');
  const [flowText, setFlowText] = useState<string | null>(bot ? null : EXAMPLE_FLOW);
  const [draft, setDraft] = useState(false);
  const action = useAction();
  const text = flowText ?? (current.data ? JSON.stringify(current.data.flow, null, 2) : '');
  const upload = async (file: File | undefined) => file && setFlowText(await file.text());
  const save = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      let flow: unknown;
      try {
        flow = JSON.parse(text);
      } catch (err) {
        throw new Error(`The flow is not valid JSON: ${(err as Error).message}`);
      }
      const query = draft ? '?draft=true' : '';
      if (bot) await api('PUT', `/v1/bots/${bot.botId}${query}`, { name, flow });
      else await api('POST', `/v1/bots${query}`, { name, flow });
      onDone();
    });
  };
  return (
    <form class="panel" onSubmit={save} aria-label={bot ? `Edit ${bot.name}` : 'New bot'}>
      <h2>{bot ? `Edit ${bot.name}` : 'New bot'}</h2>
      <label>Name<input value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={200} /></label>
      <label>Flow (JSON)<textarea rows={14} spellcheck={false} value={text} onInput={(e) => setFlowText(e.currentTarget.value)} /></label>
      <label>Or upload a flow file<input type="file" accept="application/json,.json" onChange={(e) => void upload(e.currentTarget.files?.[0])} /></label>
      <label class="inline"><input type="checkbox" checked={draft} onChange={(e) => setDraft(e.currentTarget.checked)} /> Save as a draft even if the flow does not validate yet</label>
      <FormFooter error={action.error} busy={action.busy} submit="Save bot" onCancel={onDone} />
    </form>
  );
}

function Deploy({ bots }: { bots: Bot[] }) {
  const channels = useLoad(() => api<{ channels: Channel[] }>('GET', '/v1/channels?limit=200'));
  const [channelID, setChannelID] = useState<string | null>(null);
  const [botId, setBotId] = useState('');
  const [keyword, setKeyword] = useState('');
  const [done, setDone] = useState('');
  const action = useAction();
  const list = channels.data?.channels ?? [];
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const chosen = (channelID ?? list[0]?.channelID ?? '').trim();
      await api('POST', `/v1/channels/${encodeURIComponent(chosen)}/deployments`, { botId: botId || bots[0]!.botId, keyword });
      setDone(`Deployed: messages "#${keyword.replace(/^#/, '')}" on ${chosen} start the bot.`);
      setKeyword('');
    });
  };
  if (channels.data && list.length === 0) return <Empty>To deploy a bot, first add an API channel.</Empty>;
  return (
    <form class="panel" onSubmit={submit} aria-label="Add API deployment">
      <h2>Add API deployment</h2>
      {/* Typed or picked: the suggestions are the newest 200 channels, and any channel ID of the account is taken. */}
      <label>Channel<input list="deploy-channels" value={channelID ?? list[0]?.channelID ?? ''} onInput={(e) => setChannelID(e.currentTarget.value)} required /></label>
      <datalist id="deploy-channels">{list.map((c) => <option key={c.channelID} value={c.channelID} />)}</datalist>
      <label>Bot<select value={botId} onChange={(e) => setBotId(e.currentTarget.value)}>{bots.map((b) => <option key={b.botId} value={b.botId}>{b.name}</option>)}</select></label>
      <label>Keyword<input value={keyword} onInput={(e) => setKeyword(e.currentTarget.value)} placeholder="#order" required /></label>
      <ErrorText error={action.error} />
      <p role="status" class="ok">{done}</p>
      <div class="buttons"><button type="submit" disabled={action.busy}>Deploy</button></div>
    </form>
  );
}
