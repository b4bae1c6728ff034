import { useEffect, useState } from 'react';
import type { PartnerReview, SnowballTracking } from '../../../contract/api/snowball';
import { PARTNER_STATE_LABELS, PARTNER_TYPES, PARTNER_TYPE_LABELS, type PartnerState, type PartnerType } from '../../../contract/vocabulary';
import { ApiError, call } from '../../shared/api';
import { TableHead } from '../../shared/TableHead';
import { Link } from '../router';
import { ErrorMessage } from '../ui/kit';

type Partner = PartnerReview['partners'][number];

const message = (e: unknown, fallback: string) => (e instanceof ApiError ? e.message : fallback);

/**
 * The snowball round of a school round (issue 20, server/snowball/): the partners its schools
 * named, merged across schools, with which schools named each; the admin approves, corrects or
 * rejects them, starts the partner round and invites the approved ones. Plain buttons, inputs and
 * labels, so everything works with the keyboard.
 */
export function SnowballPage({ params }: { params: Record<string, string> }) {
  const id = Number(params.id);
  const [review, setReview] = useState<PartnerReview | null>(null);
  const [tracking, setTracking] = useState<SnowballTracking | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState<number | null>(null);

  const load = () => {
    call('GET /api/snowball/rounds/:id', { params: { id } }).then(setReview, (e: unknown) => setError(message(e, 'Laden mislukt.')));
    call('GET /api/snowball/rounds/:id/tracking', { params: { id } }).then(setTracking, () => {});
  };
  useEffect(load, [id]);

  async function act(work: () => Promise<string | null>) {
    setNotice(null);
    try {
      const done = await work();
      setError(null);
      if (done) setNotice(done);
      load();
    } catch (e) {
      setError(message(e, 'Dat is niet gelukt.'));
    }
  }

  const decide = (partner: Partner, state: PartnerState) =>
    act(async () => {
      await call('POST /api/snowball/partners/:id/decision', { params: { id: partner.id }, body: { state } });
      return `${partner.organisation ?? 'Partner'}: ${PARTNER_STATE_LABELS[state].toLowerCase()}.`;
    });

  const approved = review?.partners.filter((p) => p.state === 'approved' && !p.invitation && !p.purged).length ?? 0;

  return (
    <>
      <section className="mr-card mr-section">
        <p className="mr-muted">
          <Link to={`/rounds/${id}`}>Meting</Link> › Genoemde partners
        </p>
        <h1>Genoemde partners{review ? `: ${review.roundName}` : ''}</h1>
        <p>
          Scholen die de vragenlijst hebben afgerond, noemden deze organisaties als samenwerkingspartner. Dezelfde organisatie die door meer scholen is genoemd
          (zelfde e-mailadres of zelfde naam), staat hier één keer. Keur een partner goed, verbeter de gegevens of wijs hem af. Goedgekeurde partners krijgen
          een uitnodiging voor de partnervragenlijst; in die eerste e-mail staat welke school hen noemde, en ze kunnen zich met één klik afmelden.
        </p>
        {notice && (
          <p className="mr-notice" role="status">
            {notice}
          </p>
        )}
        <ErrorMessage error={error} />
        {review && (
          <p>
            {review.partnerRound ? (
              <>
                Partnerronde: <Link to={`/rounds/${review.partnerRound.roundId}`}>{review.partnerRound.name}</Link> (
                <Link to={`/mail/rounds/${review.partnerRound.roundId}`}>e-mail en herinneringen</Link>).{' '}
                <button
                  type="button"
                  disabled={approved === 0}
                  onClick={() => act(async () => `${(await call('POST /api/snowball/rounds/:id/invite', { params: { id } })).invited} partner(s) uitgenodigd.`)}
                >
                  {approved === 1 ? 'De goedgekeurde partner uitnodigen' : `${approved} goedgekeurde partners uitnodigen`}
                </button>
              </>
            ) : (
              <button type="button" onClick={() => act(async () => (await call('POST /api/snowball/rounds/:id/partner-round', { params: { id }, body: {} }), 'De partnerronde is gestart.'))}>
                Partnerronde starten
              </button>
            )}{' '}
            <a href={`/api/snowball/rounds/${id}/partners.csv`} download>
              Antwoorden van partners (CSV, met de respondentnummers van de scholen)
            </a>
          </p>
        )}
      </section>

      {review && (
        <section className="mr-card mr-section" aria-labelledby="partners-title">
          <h2 id="partners-title">Partners ({review.partners.length})</h2>
          {review.partners.length === 0 && <p>Nog geen partners genoemd.</p>}
          <ul className="mr-list" aria-label="Partners">
            {review.partners.map((p) => (
              <li key={p.id} className="mr-card">
                <h3 className="mr-list-title">{p.organisation ?? 'Gegevens verwijderd (bewaartermijn verstreken)'}</h3>
                <p>
                  {PARTNER_TYPE_LABELS[p.partnerType]} · {PARTNER_STATE_LABELS[p.state]}
                  {p.invitation && ` · ${p.invitation.completed ? 'heeft ingevuld' : p.invitation.optedOut ? 'afgemeld' : p.invitation.bounced ? 'e-mail onbestelbaar' : p.invitation.invited ? 'uitgenodigd' : 'uitnodiging wacht'}`}
                </p>
                {p.email && (
                  <p className="mr-muted mr-break">
                    {p.contactName ? `${p.contactName}, ` : ''}
                    {p.email}
                  </p>
                )}
                <p>Genoemd door:</p>
                <ul>
                  {p.nominatedBy.map((n, i) => (
                    <li key={`${n.invitationId}-${i}`}>
                      {n.schoolName} <span className="mr-muted">({n.swvName})</span>
                      {n.email && n.email !== p.email && <span className="mr-muted mr-break"> – noemde {n.organisation}, {n.email}</span>}
                    </li>
                  ))}
                </ul>
                {!p.invitation && !p.purged && (
                  <p>
                    {p.state !== 'approved' && (
                      <button type="button" onClick={() => decide(p, 'approved')}>
                        Goedkeuren<span className="mr-sr-only"> {p.organisation}</span>
                      </button>
                    )}{' '}
                    {p.state !== 'rejected' && (
                      <button type="button" onClick={() => decide(p, 'rejected')}>
                        Afwijzen<span className="mr-sr-only"> {p.organisation}</span>
                      </button>
                    )}{' '}
                    <button type="button" aria-expanded={editing === p.id} onClick={() => setEditing(editing === p.id ? null : p.id)}>
                      Gegevens wijzigen<span className="mr-sr-only"> van {p.organisation}</span>
                    </button>
                  </p>
                )}
                {editing === p.id && (
                  <EditPartner
                    partner={p}
                    onCancel={() => setEditing(null)}
                    onSave={(body) =>
                      act(async () => {
                        await call('PUT /api/snowball/partners/:id', { params: { id: p.id }, body });
                        setEditing(null);
                        return 'Gegevens opgeslagen.';
                      })
                    }
                  />
                )}
              </li>
            ))}
          </ul>
        </section>
      )}

      {tracking && (
        <section className="mr-card mr-section" aria-labelledby="tracking-title">
          <h2 id="tracking-title">Van genoemd tot ingevuld</h2>
          <p>
            Totaal: {tracking.total.nominated} genoemd door {tracking.total.schools} scholen, {tracking.total.approved} goedgekeurd, {tracking.total.rejected} afgewezen,{' '}
            {tracking.total.invited} uitgenodigd, {tracking.total.responded} ingevuld. Per samenwerkingsverband telt een partner mee bij elk verband van de scholen die hem noemden.
          </p>
          <table className="mr-stack">
            <TableHead scoped columns={['Samenwerkingsverband', 'Situatie', 'Scholen', 'Genoemd', 'Uitgenodigd', 'Ingevuld']} />
            <tbody>
              {tracking.groups.map((g) => (
                <tr key={`${g.swvId}-${g.situation ?? ''}`}>
                  <th scope="row">{g.swvName}</th>
                  <td>{g.situationLabel}</td>
                  <td>{g.schools}</td>
                  <td>{g.nominated}</td>
                  <td>{g.invited}</td>
                  <td>{g.responded}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}

function EditPartner({
  partner,
  onSave,
  onCancel,
}: {
  partner: Partner;
  onSave: (body: { organisation: string; partnerType: PartnerType; contactName: string | null; email: string }) => void;
  onCancel: () => void;
}) {
  const [organisation, setOrganisation] = useState(partner.organisation ?? '');
  const [partnerType, setPartnerType] = useState<PartnerType>(partner.partnerType);
  const [contactName, setContactName] = useState(partner.contactName ?? '');
  const [email, setEmail] = useState(partner.email ?? '');
  const key = `partner-${partner.id}`;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onSave({ organisation, partnerType, contactName: contactName.trim() || null, email });
      }}
    >
      <label htmlFor={`${key}-org`}>Naam van de organisatie</label>
      <input id={`${key}-org`} value={organisation} onChange={(e) => setOrganisation(e.target.value)} required maxLength={200} />
      <label htmlFor={`${key}-type`}>Soort organisatie</label>
      <select id={`${key}-type`} value={partnerType} onChange={(e) => setPartnerType(e.target.value as PartnerType)}>
        {PARTNER_TYPES.map((t) => (
          <option key={t} value={t}>
            {PARTNER_TYPE_LABELS[t]}
          </option>
        ))}
      </select>
      <label htmlFor={`${key}-contact`}>Contactpersoon</label>
      <input id={`${key}-contact`} value={contactName} onChange={(e) => setContactName(e.target.value)} maxLength={120} />
      <label htmlFor={`${key}-email`}>E-mailadres</label>
      <input id={`${key}-email`} type="email" value={email} onChange={(e) => setEmail(e.target.value)} required maxLength={254} />
      <p>
        <button type="submit">Opslaan</button>{' '}
        <button type="button" onClick={onCancel}>
          Annuleren
        </button>
      </p>
    </form>
  );
}
