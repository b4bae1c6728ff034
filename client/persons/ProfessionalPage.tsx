import { lazy, Suspense } from 'react';
import { call } from '../shared/api';
import { InvitedPage } from './InvitedPage';

const InvitedSurvey = lazy(() => import('./InvitedSurvey'));

/**
 * The professional's page (`/pr/<token>` from the invitation mail): first the professional's own
 * yes or no, then the questionnaire.
 */
export function ProfessionalPage({ token }: { token: string }) {
  const params = { token };
  return (
    <InvitedPage
      token={token}
      load={() => call('GET /api/persons/pr/:token', { params })}
      consent={(yes) => call('POST /api/persons/pr/:token/consent', { params, body: { consent: yes } })}
      context={(view) => [view.studyName, view.roundName, ...(view.swvName ? [view.swvName] : [])]}
      intro={() =>
        'Wij vragen u als professional een vragenlijst in te vullen. Uw antwoorden worden niet aan uw naam of e-mailadres gekoppeld en niemand van uw organisatie of school ziet ze. U kunt altijd stoppen.'
      }
    >
      {(view, reload) =>
        view.state === 'completed' ? (
          <section aria-labelledby="done">
            <h1 id="done">Dank u wel!</h1>
            <p>Uw antwoorden zijn opgeslagen. U kunt dit venster nu sluiten.</p>
          </section>
        ) : (
          <section aria-labelledby="survey">
            <h1 id="survey">Vragenlijst</h1>
            {view.hasQuestionnaire ? (
              <Suspense fallback={<p>Laden…</p>}>
                <InvitedSurvey
                  id={token}
                  source={{
                    load: () => call('GET /api/persons/pr/:token/survey', { params }),
                    save: (body) => call('PUT /api/persons/pr/:token/answers', { params, body }),
                    complete: (body) => call('POST /api/persons/pr/:token/complete', { params, body }),
                  }}
                  onDone={reload}
                />
              </Suspense>
            ) : (
              <p>De vragenlijst is nog niet klaar. Probeer het later opnieuw.</p>
            )}
          </section>
        )
      }
    </InvitedPage>
  );
}
