import { useEffect, useState, type FormEvent } from 'react';
import { call } from '../../shared/api';
import { FormEnd, InvalidLinkPage, LoadingPage, useSubmit } from '../ui/kit';
import type { SessionUser } from '../session';

/** First start: the one-time link from the console creates the first admin account. */
export function SetupPage({ token, onDone }: { token: string; onDone: (user: SessionUser) => void }) {
  const [valid, setValid] = useState<boolean | null>(null);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { error, setError, busy, run } = useSubmit('Het account kon niet worden aangemaakt.');

  useEffect(() => {
    call('GET /api/auth/setup', { query: { token } })
      .then((r) => setValid(r.valid))
      .catch(() => setValid(false));
  }, [token]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    // The browser's own bubble for minlength is easy to miss (and absent in some browsers): say it here.
    if (!name.trim() || !email.trim()) return setError('Vul uw naam en e-mailadres in.');
    if (password.length < 10) return setError('Kies een wachtwoord van minstens 10 tekens.');
    await run(async () => {
      const user = await call('POST /api/auth/setup', { body: { token, name, email, password } });
      window.history.replaceState(null, '', '/admin/');
      onDone(user);
    });
  }

  if (valid === null) return <LoadingPage />;
  if (!valid) return <InvalidLinkPage message="Deze link om het eerste beheerdersaccount aan te maken is al gebruikt of vervangen. Start Meetronde opnieuw voor een nieuwe link, of log in." />;
  return (
    <main className="mr-narrow">
      <form className="mr-card" onSubmit={submit} noValidate>
        <h1>Eerste beheerder aanmaken</h1>
        <p className="mr-muted">Dit account mag alles: adreslijsten inlezen, metingen opzetten en mailings versturen.</p>
        <label htmlFor="name">Naam</label>
        <input id="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        <label htmlFor="email">E-mailadres</label>
        <input id="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        <label htmlFor="password">Wachtwoord</label>
        <p id="password-hint" className="mr-muted" style={{ margin: '0 0 0.25rem' }}>Minstens 10 tekens; geen veelgebruikt wachtwoord.</p>
        <input
          id="password"
          type="password"
          autoComplete="new-password"
          minLength={10}
          aria-describedby="password-hint"
          aria-invalid={error !== null && password.length < 10 ? true : undefined}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
        <FormEnd error={error} busy={busy} label="Account aanmaken" />
      </form>
    </main>
  );
}
