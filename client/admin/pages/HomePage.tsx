import { useSession } from '../session';

export function HomePage() {
  const user = useSession();
  return (
    <section className="mr-card">
      <h1>Welkom, {user.name}</h1>
      <p className="mr-muted">Kies in het menu wat u wilt doen.</p>
    </section>
  );
}
