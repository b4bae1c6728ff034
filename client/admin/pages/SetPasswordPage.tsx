import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, call, type Reply } from '../../shared/api';
import { FormEnd, InvalidLinkPage, LoadingPage, useSubmit } from '../ui/kit';
import type { SessionUser } from '../session';

type Invite = Reply<'GET /api/u/:token'>;

/** The link from an account invitation (/u/<token>): choose a password, then you are logged in. */
export function SetPasswordPage({ token, onDone }: { token: string; onDone: (user: SessionUser) => void }) {
  const [invite, setInvite] = useState<Invite | null | 'invalid'>(null);
  const [invalidMessage, setInvalidMessage] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const { error, setError, busy, run } = useSubmit('Het wachtwoord kon niet worden opgeslagen.');

  useEffect(() => {
    call('GET /api/u/:token', { params: { token } })
      .then(setInvite)
      .catch((e) => {
        setInvalidMessage(e instanceof ApiError ? e.message : 'Deze link kon niet worden gecontroleerd.');
        setInvite('invalid');
      });
  }, [token]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (password.length < 10) return setError('Kies een wachtwoord van minstens 10 tekens.');
    if (password !== repeat) {
      setError('De twee wachtwoorden zijn niet gelijk.');
      return;
    }
    await run(async () => {
      const user = await call('POST /api/u/:token', { params: { token }, body: { password } });
      // Leave the token out of the address bar and the browser history.
      window.history.replaceState(null, '', '/admin/');
      onDone(user);
    });
  }

  if (invite === null) return <LoadingPage />;
  if (invite === 'invalid') return <InvalidLinkPage message={invalidMessage} />;
  return (
    <main className="mr-narrow">
      <form className="mr-card" onSubmit={submit} noValidate>
        <h1>{invite.renewal ? 'Nieuw wachtwoord kiezen' : 'Welkom bij Meetronde'}</h1>
        <p className="mr-muted">
          {invite.name} ({invite.email}): kies een wachtwoord van minstens 10 tekens. Daarna bent u ingelogd.
        </p>
        <input type="email" autoComplete="username" value={invite.email} readOnly hidden />
        <label htmlFor="new-password">Wachtwoord (minstens 10 tekens)</label>
        <NewPassword id="new-password" value={password} onChange={setPassword} />
        <label htmlFor="repeat-password">Herhaal het wachtwoord</label>
        <NewPassword id="repeat-password" value={repeat} onChange={setRepeat} />
        <FormEnd error={error} busy={busy} label="Wachtwoord opslaan" />
      </form>
    </main>
  );
}

/** A field for the new password (and for repeating it): 10 to 200 characters. */
function NewPassword({ id, value, onChange }: { id: string; value: string; onChange: (value: string) => void }) {
  return <input id={id} type="password" autoComplete="new-password" minLength={10} maxLength={200} value={value} onChange={(e) => onChange(e.target.value)} required />;
}
