import { useState, type FormEvent } from 'react';
import { call } from '../../shared/api';
import { FormEnd, useSubmit } from '../ui/kit';
import type { SessionUser } from '../session';

export function LoginPage({ onLogin }: { onLogin: (user: SessionUser) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, run } = useSubmit('Inloggen is niet gelukt.');

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(async () => onLogin(await call('POST /api/auth/login', { body: { email, password } })));
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
        <FormEnd error={error} busy={busy} label="Inloggen" />
      </form>
    </main>
  );
}
