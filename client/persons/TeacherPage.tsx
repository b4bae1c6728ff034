import { lazy, Suspense, useState } from 'react';
import type { TeacherView } from '../../contract/api/persons';
import { CLASS_GRADE_LABELS, type ClassGrade } from '../../contract/vocabulary';
import { call } from '../shared/api';
import { InvitedPage } from './InvitedPage';

const InvitedSurvey = lazy(() => import('./InvitedSurvey'));

const STATE_LABELS = { new: 'Nog niet begonnen', started: 'Begonnen', completed: 'Ingevuld' } as const;

/**
 * The teacher's page (`/t/<token>` from the invitation mail): first the teacher's own yes or no,
 * then the list of their classes; the questionnaire is answered once per class.
 */
export function TeacherPage({ token }: { token: string }) {
  return (
    <InvitedPage
      token={token}
      load={() => call('GET /api/persons/t/:token', { params: { token } })}
      consent={(yes) => call('POST /api/persons/t/:token/consent', { params: { token }, body: { consent: yes } })}
      context={(view) => [view.studyName, view.roundName, view.schoolName]}
      intro={(view) =>
        `Uw school doet mee aan dit onderzoek. Wij vragen u een korte vragenlijst in te vullen over elke klas waaraan u lesgeeft (${view.classes.map((c) => c.label).join(', ')}). ` +
        'Uw antwoorden worden gekoppeld aan de klas, niet aan uw naam. Leerlingen, ouders en de school zien uw antwoorden niet. U kunt altijd stoppen.'
      }
    >
      {(view, reload) => <TeacherClasses token={token} view={view} reload={reload} />}
    </InvitedPage>
  );
}

function TeacherClasses({ token, view, reload }: { token: string; view: TeacherView; reload: () => void }) {
  const [classId, setClassId] = useState<number | null>(null);
  const current = view.classes.find((c) => c.classId === classId);
  const back = () => {
    setClassId(null);
    reload();
  };
  if (classId === null)
    return (
      <section aria-labelledby="classes">
        <h1 id="classes">{view.state === 'completed' ? 'Dank u wel! U heeft alles ingevuld.' : 'Uw klassen'}</h1>
        {!view.hasQuestionnaire && <p>De vragenlijst voor leerkrachten is nog niet klaar. Probeer het later opnieuw.</p>}
        <p>Vul de vragenlijst in voor elke klas. Uw antwoorden worden steeds bewaard; u kunt later verdergaan met dezelfde link.</p>
        <ul className="pp-classes">
          {view.classes.map((c) => (
            <li key={c.classId}>
              <strong>Klas {c.label}</strong> ({CLASS_GRADE_LABELS[c.grade as ClassGrade] ?? c.grade}) · {STATE_LABELS[c.state]}{' '}
              {c.state !== 'completed' && view.hasQuestionnaire && (
                <button type="button" onClick={() => setClassId(c.classId)}>
                  {c.state === 'new' ? `Begin aan klas ${c.label}` : `Verder met klas ${c.label}`}
                </button>
              )}
            </li>
          ))}
        </ul>
      </section>
    );
  if (!current) return null;
  const params = { token, classId };
  return (
    <Suspense fallback={<p>Laden…</p>}>
      <h1>Klas {current.label}</h1>
      <InvitedSurvey
        id={`${token}/${classId}`}
        source={{
          load: () => call('GET /api/persons/t/:token/classes/:classId', { params }),
          save: (body) => call('PUT /api/persons/t/:token/classes/:classId/answers', { params, body }),
          complete: (body) => call('POST /api/persons/t/:token/classes/:classId/complete', { params, body }),
        }}
        onDone={back}
      />
      <p>
        <button type="button" className="secondary" onClick={back}>
          Terug naar uw klassen
        </button>
      </p>
    </Suspense>
  );
}
