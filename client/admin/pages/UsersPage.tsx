import { useEffect, useState, type FormEvent } from 'react';
import type { Role } from '../../../contract/api/auth';
import type { UserSummary } from '../../../contract/api/users';
import { ApiError, call } from '../../shared/api';
import { formatDateTime } from '../../shared/time';
import { useSession } from '../session';
import { FormEnd, useSubmit } from '../ui/kit';

const ROLE_LABELS: Record<Role, string> = { admin: 'Beheerder', researcher: 'Onderzoeker' };
const STATUS_LABELS: Record<UserSummary['status'], string> = {
  active: 'Actief',
  invited: 'Uitgenodigd',
  disabled: 'Uitgeschakeld',
};

/** Admins invite users, send new links, change roles and disable or enable accounts. */
export function UsersPage() {
  const me = useSession();
  const [users, setUsers] = useState<UserSummary[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = () =>
    call('GET /api/users')
      .then((r) => setUsers(r.users))
      .catch((e) => setLoadError(e instanceof ApiError ? e.message : 'De gebruikers konden niet worden geladen.'));
  useEffect(() => {
    void load();
  }, []);

  async function act(work: () => Promise<unknown>, success: string) {
    setError(null);
    setNotice(null);
    try {
      await work();
      setNotice(success);
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Dat is niet gelukt.');
    }
  }

  return (
    <>
      <section className="mr-card">
        <h1>Gebruikers</h1>
        <p className="mr-muted">
          Beheerders mogen alles. Onderzoekers zien de respons en maken exports, maar versturen en importeren niets.
        </p>
        <InviteForm onInvited={(user) => { setNotice(`De uitnodiging voor ${user.email} staat klaar om te worden verstuurd.`); setError(null); void load(); }} />
      </section>

      {notice && <p className="mr-notice" role="status">{notice}</p>}
      {error && <p className="mr-error" role="alert">{error}</p>}
      {loadError && <p className="mr-error" role="alert">{loadError}</p>}
      {users === null && !loadError && <p>Bezig met laden…</p>}

      {users && (
        <ul className="mr-list" aria-label="Gebruikers">
          {users.map((user) => (
            <li key={user.id} className="mr-card">
              <h2 className="mr-list-title">{user.name}</h2>
              <p className="mr-muted mr-break">{user.email}</p>
              <p>
                {ROLE_LABELS[user.role]} · <span className={`mr-status mr-status-${user.status}`}>{STATUS_LABELS[user.status]}</span>
                {user.status === 'invited' && (
                  <span className="mr-muted">
                    {' '}· {user.inviteExpiresAt ? `link geldig tot ${formatDateTime(user.inviteExpiresAt)}` : 'link verlopen'}
                  </span>
                )}
              </p>
              <p className="mr-muted">Laatst ingelogd: {formatDateTime(user.lastLoginAt)}</p>
              {user.id === me.id ? (
                <p className="mr-muted">Dit bent u.</p>
              ) : (
                <div className="mr-actions">
                  {user.status !== 'disabled' && (
                    <button
                      className="secondary"
                      onClick={() => act(() => call('POST /api/users/:id/invite', { params: { id: user.id } }), `Er staat een nieuwe link voor ${user.email} klaar om te worden verstuurd.`)}
                    >
                      {user.status === 'invited' ? 'Uitnodiging opnieuw sturen' : 'Link voor nieuw wachtwoord sturen'}
                    </button>
                  )}
                  <button
                    className="secondary"
                    onClick={() =>
                      act(
                        () => call('PATCH /api/users/:id', { params: { id: user.id }, body: { role: user.role === 'admin' ? 'researcher' : 'admin' } }),
                        `${user.name} is nu ${user.role === 'admin' ? 'onderzoeker' : 'beheerder'}.`,
                      )
                    }
                  >
                    {user.role === 'admin' ? 'Maak onderzoeker' : 'Maak beheerder'}
                  </button>
                  {user.status === 'disabled' ? (
                    <button className="secondary" onClick={() => act(() => call('PATCH /api/users/:id', { params: { id: user.id }, body: { disabled: false } }), `${user.name} is weer ingeschakeld.`)}>
                      Inschakelen
                    </button>
                  ) : (
                    <button
                      className="danger"
                      onClick={() => act(() => call('PATCH /api/users/:id', { params: { id: user.id }, body: { disabled: true } }), `${user.name} is uitgeschakeld en overal uitgelogd.`)}
                    >
                      Uitschakelen
                    </button>
                  )}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function InviteForm({ onInvited }: { onInvited: (user: UserSummary) => void }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('researcher');
  const { error, busy, run } = useSubmit('De uitnodiging kon niet worden gemaakt.');

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      const user = await call('POST /api/users', { body: { name, email, role } });
      setName('');
      setEmail('');
      onInvited(user);
    });
  }

  return (
    <form onSubmit={submit} aria-label="Gebruiker uitnodigen">
      <h2>Gebruiker uitnodigen</h2>
      <label htmlFor="invite-name">Naam</label>
      <input id="invite-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      <label htmlFor="invite-email">E-mailadres</label>
      <input id="invite-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required maxLength={254} />
      <label htmlFor="invite-role">Rol</label>
      <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value === 'admin' ? 'admin' : 'researcher')}>
        <option value="researcher">Onderzoeker</option>
        <option value="admin">Beheerder</option>
      </select>
      <FormEnd error={error} busy={busy} label="Uitnodiging versturen" />
    </form>
  );
}
