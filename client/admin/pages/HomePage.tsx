import { Link } from '../router';
import { useSession } from '../session';

const SECTIONS: Array<{ title: string; links: Array<{ to: string; label: string; text: string; admin?: boolean }> }> = [
  {
    title: 'Metingen',
    links: [
      { to: '/rounds', label: 'Metingen', text: 'onderzoeken en metingen opzetten, samenwerkingsverbanden toewijzen, openen en sluiten' },
      { to: '/voorbeeld', label: 'Voorbeeld', text: 'een vragenlijst bekijken zoals een school hem krijgt' },
      { to: '/respons', label: 'Respons', text: 'de voortgang per meting, live' },
      { to: '/mail', label: 'E-mail', text: 'sjablonen en golven van uitnodigingen en herinneringen', admin: true },
    ],
  },
  {
    title: 'Scholen',
    links: [
      { to: '/schools', label: 'Scholen', text: 'vestigingen, adressen en samenwerkingsverbanden' },
      { to: '/imports', label: 'Adresbestanden', text: 'DUO-bestanden en contactlijsten inlezen', admin: true },
    ],
  },
  {
    title: 'Gegevens',
    links: [
      { to: '/exports', label: 'Exporteren', text: 'antwoorden, codeboek en de tabellen van het rapport' },
      { to: '/compare', label: 'Vergelijken', text: 'wat er tussen twee versies van een vragenlijst veranderde' },
    ],
  },
  {
    title: 'Beheer',
    links: [
      { to: '/users', label: 'Gebruikers', text: 'beheerders en onderzoekers uitnodigen', admin: true },
      { to: '/privacy', label: 'Privacy', text: 'gegevens van een school verwijderen, bewaartermijnen', admin: true },
      { to: '/audit', label: 'Logboek', text: 'wie wat deed', admin: true },
      { to: '/mail/outbox', label: 'Outbox', text: 'alle e-mail: gepland, wachtend, verstuurd', admin: true },
    ],
  },
];

export function HomePage() {
  const user = useSession();
  const admin = user.role === 'admin';
  return (
    <section className="mr-card" aria-labelledby="home-title">
      <h1 id="home-title">Welkom, {user.name}</h1>
      <div className="mr-home">
        {SECTIONS.map((section) => {
          const links = section.links.filter((l) => admin || !l.admin);
          if (links.length === 0) return null;
          return (
            <div key={section.title}>
              <h2>{section.title}</h2>
              <ul>
                {links.map((l) => (
                  <li key={l.to}>
                    <Link to={l.to}>{l.label}</Link>: {l.text}
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
      </div>
    </section>
  );
}
