import { useState, type FormEvent } from 'react';
import { createClient } from '@scheduler/client';
import { unwrap } from '../api';
import { ErrorBox } from '../components/ListState';

/** Paste a token (a JWT whose `sub` is your user id); it is checked against the API, then kept. */
export function SignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const client = createClient({ baseUrl: window.location.origin, token: token.trim() });
      await unwrap(client.GET('/api/v1/campaigns', { params: { query: { limit: 1 } } }));
      onSignedIn(token.trim());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <h1>Content Scheduler</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="token">Access token</label>
        <textarea id="token" name="token" rows={4} value={token} onChange={(e) => setToken(e.target.value)} required spellCheck={false} />
        <p className="muted">
          Paste the bearer token you were given (in development, <code>npm start</code> prints a sign-in link). It is kept in this tab only.
        </p>
        {error ? <ErrorBox error={error} /> : null}
        <button type="submit" className="primary" disabled={busy || !token.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
