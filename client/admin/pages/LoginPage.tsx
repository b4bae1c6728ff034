import { useState, type FormEvent } from 'react';
import { ApiError, call } from '../../shared/api';
import type { SessionUser } from '../session';

export function LoginPage({ onLogin }: { onLogin: (user: SessionUser) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await call('POST /api/auth/login', { body: { email, password } }));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Inloggen is niet gelukt.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="mr-narrow">
      <form className="mr-card" onSubmit={submit}>
        <h1>Inloggen bij Meetronde</h1>
        <label htmlFor="email">E-mailadres</label>
        <input id="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        <label htmlFor="password">Wachtwoord</label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
        {error && <p className="mr-error" role="alert">{error}</p>}
        <p>
          <button type="submit" disabled={busy}>{busy ? 'Bezig…' : 'Inloggen'}</button>
        </p>
      </form>
    </main>
  );
}
