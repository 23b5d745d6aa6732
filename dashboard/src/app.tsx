import { useEffect, useState } from 'preact/hooks';
import { api, session } from './api';
import { BotsPage } from './bots';
import { ChannelsPage } from './channels';
import { DeliveriesPage } from './deliveries';
import { SessionPage, SessionsPage, type DashboardConfig } from './sessions';
import { ErrorText, useAction } from './ui';

/** #/channels, #/bots, #/channels/:id/sessions, #/channels/:id/users/:userID, #/channels/:id/deliveries */
function useRoute(): string {
  const [hash, setHash] = useState(location.hash || '#/channels');
  useEffect(() => {
    const onChange = () => setHash(location.hash || '#/channels');
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

export function App() {
  const [signedIn, setSignedIn] = useState(Boolean(session.key()));
  const [config, setConfig] = useState<DashboardConfig | null>(null);
  useEffect(() => {
    void fetch('/dashboard/config.json').then((r) => r.json()).then(setConfig, () => undefined);
  }, []);
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  const signOut = () => {
    session.signOut();
    setSignedIn(false);
  };
  return (
    <>
      <header class="top">
        <strong>Parley</strong>
        <nav aria-label="Main">
          <a href="#/channels">API channels</a>
          <a href="#/bots">Chatbots</a>
        </nav>
        <button type="button" onClick={signOut}>Sign out</button>
      </header>
      <main>
        <Page config={config} />
      </main>
    </>
  );
}

function Page({ config }: { config: DashboardConfig | null }) {
  const route = useRoute();
  const [, section, id, sub, userID] = route.split('/').map(decodeURIComponent);
  if (section === 'bots') return <BotsPage />;
  if (section === 'channels' && id && sub === 'sessions') return <SessionsPage channelID={id} />;
  if (section === 'channels' && id && sub === 'deliveries') return <DeliveriesPage channelID={id} />;
  if (section === 'channels' && id && sub === 'users' && userID) return <SessionPage channelID={id} userID={Number(userID)} config={config} />;
  return <ChannelsPage />;
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await api('GET', '/v1/channels', undefined, key.trim()); // the key works, or the API says why not
      session.signIn(key.trim());
      onSignedIn();
    });
  };
  return (
    <main class="sign-in">
      <form class="panel" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Parley</h1>
        <label>Admin API key<input type="password" autocomplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} placeholder="pk_…" required /></label>
        <p class="hint">The key stays in this tab only (session storage) and is forgotten when you sign out or close it.</p>
        <ErrorText error={action.error} />
        <div class="buttons"><button type="submit" disabled={action.busy}>Sign in</button></div>
      </form>
    </main>
  );
}
