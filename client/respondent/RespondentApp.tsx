import { lazy, Suspense, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { formatMoment } from '../shared/time';
import { ConsentForm, consentPageContent } from './ConsentForm';
import { LocalStore, localKey } from './local-copy';
import { RespondentApi, tokenFromPath, Unreachable, type SurveyPayload } from './respondent-api';

// SurveyJS is most of the page's code (1.6 MB). It loads after the first question is shown (see
// RespondentApp), and the link's other states (closed, not yet open, refused) need none of it.
const loadQuestionnaire = () => import('./QuestionnairePage');
const QuestionnairePage = lazy(() => loadQuestionnaire().then((m) => ({ default: m.QuestionnairePage })));
const CompletedSummary = lazy(() => import('./CompletedSummary'));
const loading = <p className="mr-muted">Bezig met laden…</p>;

type QuestionnaireModule = Awaited<ReturnType<typeof loadQuestionnaire>>;

/**
 * The questionnaire with the consent page first (issue 21): before consent, the consent page is
 * plain HTML (ConsentForm), shown as soon as the questionnaire request is answered; SurveyJS loads
 * once it is shown; the SurveyJS page takes over when the respondent presses
 * the button, with the answer given, and does what its own button does. Building the SurveyJS
 * model costs a few hundred ms of main thread on a phone, so it is not built before it is needed.
 * Other states wait for SurveyJS as before.
 */
function QuestionnaireView({ module, ...props }: { module: QuestionnaireModule | null } & QuestionnairePageProps) {
  const { survey } = props;
  const content = useMemo(() => (survey.state === 'consent' ? consentPageContent(survey) : null), [survey]);
  const [answer, setAnswer] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState(false);
  if (content && submitted && module) return <module.QuestionnairePage {...props} initialConsent={answer} advance />;
  if (content) {
    return (
      <ConsentForm content={content} consent={survey.consent} answer={answer} waiting={submitted} onAnswer={setAnswer} onSubmit={() => setSubmitted(true)} />
    );
  }
  return (
    <Suspense fallback={loading}>
      <QuestionnairePage {...props} />
    </Suspense>
  );
}

type QuestionnairePageProps = Parameters<QuestionnaireModule['QuestionnairePage']>[0];

/**
 * The page a school opens from its personal link (/s/<token>): one view per state of the link
 * (docs/respondent-api.md). The token stays in the path and the API calls; it is never logged,
 * stored (the local copy is keyed by its hash) or sent anywhere else.
 */

type View =
  | { kind: 'loading' }
  | { kind: 'closed' }
  | { kind: 'not_open'; studyName: string; opensAt: string | null }
  | { kind: 'unreachable' }
  | { kind: 'error'; message: string }
  | { kind: 'questionnaire'; survey: SurveyPayload; notice: string | null; generation: number }
  | { kind: 'refused'; survey: SurveyPayload }
  | { kind: 'completed'; survey: SurveyPayload };

export function RespondentApp() {
  const token = useMemo(() => tokenFromPath(), []);
  const api = useMemo(() => new RespondentApi(token), [token]);
  const storePromise = useMemo(() => localKey(token).then((key) => new LocalStore(key)), [token]);
  const [store, setStore] = useState<LocalStore | null>(null);
  const [view, setView] = useState<View>({ kind: 'loading' });
  const [questionnaireModule, setQuestionnaireModule] = useState<QuestionnaireModule | null>(null);

  const show = useCallback((survey: SurveyPayload, notice: string | null = null) => {
    if (survey.state === 'completed') setView({ kind: 'completed', survey });
    else if (survey.state === 'refused') setView({ kind: 'refused', survey });
    else setView((previous) => ({ kind: 'questionnaire', survey, notice, generation: previous.kind === 'questionnaire' ? previous.generation + 1 : 0 }));
  }, []);

  const load = useCallback(
    async (notice: string | null = null) => {
      try {
        const [result, localStore] = await Promise.all([api.load(), storePromise]);
        setStore(localStore);
        if (result.kind === 'closed') setView({ kind: 'closed' });
        else if (result.kind === 'not_open') setView(result);
        else {
          document.title = `${result.survey.study.name} – vragenlijst`;
          show(result.survey, notice);
        }
      } catch (error) {
        if (error instanceof Unreachable) setView({ kind: 'unreachable' });
        else setView({ kind: 'error', message: error instanceof Error ? error.message : 'Er ging iets mis.' });
      }
    },
    [api, storePromise, show],
  );

  useEffect(() => {
    void load();
  }, [load]);

  // SurveyJS (1.6 MB) loads only once the first question is on the screen (issue 21): before, its
  // download and compilation competed with the entry and the questionnaire request for a phone's
  // cores. The consent page needs none of it; other states of an open questionnaire load it
  // through the lazy QuestionnairePage at once.
  const questionnaireShown = view.kind === 'questionnaire';
  useEffect(() => {
    if (!questionnaireShown) return;
    let live = true;
    // After the next frame: the first question has been painted.
    const frame = requestAnimationFrame(() => {
      setTimeout(() => {
        loadQuestionnaire().then(
          (module) => {
            if (live) setQuestionnaireModule(module);
          },
          () => {
            // A failed download shows up when the questionnaire is rendered (Suspense rethrows it).
          },
        );
      }, 0);
    });
    return () => {
      live = false;
      cancelAnimationFrame(frame);
    };
  }, [questionnaireShown]);

  switch (view.kind) {
    case 'loading':
      return (
        <Message title="Vragenlijst">
          <p>Bezig met laden…</p>
        </Message>
      );
    case 'closed':
      return (
        <Message title="Deze link werkt niet (meer)">
          <p>De vragenlijst bij deze link is niet (meer) beschikbaar. Misschien is de meting afgesloten, of is de link niet volledig overgenomen uit de e-mail.</p>
          <p>Heeft u vragen? Neem dan contact op met de onderzoekers; hun gegevens staan in de uitnodiging.</p>
        </Message>
      );
    case 'not_open':
      return (
        <Message title="De vragenlijst is nog niet geopend" study={view.studyName}>
          <p>
            {view.opensAt
              ? `U kunt de vragenlijst invullen vanaf ${formatMoment(view.opensAt)}. Gebruikt u dan dezelfde link.`
              : 'U kunt de vragenlijst nog niet invullen. U krijgt bericht zodra dat wel kan; gebruikt u dan dezelfde link.'}
          </p>
        </Message>
      );
    case 'unreachable':
      return (
        <Message title="De server is niet bereikbaar">
          <p>We kunnen de vragenlijst nu niet ophalen. Controleer uw internetverbinding en probeer het over een paar minuten opnieuw. Eerder opgeslagen antwoorden blijven bewaard.</p>
          <button type="button" onClick={() => { setView({ kind: 'loading' }); void load(); }}>
            Opnieuw proberen
          </button>
        </Message>
      );
    case 'error':
      return (
        <Message title="Er ging iets mis">
          <p role="alert">{view.message}</p>
          <button type="button" onClick={() => { setView({ kind: 'loading' }); void load(); }}>
            Opnieuw proberen
          </button>
        </Message>
      );
    case 'refused':
      return (
        <Frame survey={view.survey}>
          <section className="mr-card mr-r-message">
            <h2>Bedankt voor uw reactie</h2>
            <p>U heeft aangegeven niet mee te doen. We bewaren alleen dat u geen toestemming heeft gegeven; er zijn geen antwoorden van uw school opgeslagen.</p>
            <p>Bedenkt u zich? Dan kunt u de vragenlijst alsnog invullen.</p>
            <button type="button" onClick={() => show({ ...view.survey, data: {}, currentPage: 0, state: 'consent' })}>
              Toch meedoen
            </button>
          </section>
        </Frame>
      );
    case 'completed':
      return <CompletedPage survey={view.survey} />;
    case 'questionnaire':
      return (
        <Frame survey={view.survey}>
          <QuestionnaireView
            key={view.generation}
            module={questionnaireModule}
            survey={view.survey}
            initialNotice={view.notice}
            api={api}
            store={store!}
            onRefused={(survey) => setView({ kind: 'refused', survey })}
            onCompleted={(survey) => {
              window.scrollTo(0, 0);
              setView({ kind: 'completed', survey });
            }}
            onReload={(notice) => void load(notice)}
          />
        </Frame>
      );
  }
}

function Message({ title, study, children }: { title: string; study?: string; children: ReactNode }) {
  return (
    <div className="mr-r">
      {study && (
        <header className="mr-r-header">
          <div className="mr-r-inner">
            <p className="mr-r-study">{study}</p>
          </div>
        </header>
      )}
      <main className="mr-r-inner mr-r-main">
        <div className="mr-card mr-r-message">
          <h1>{title}</h1>
          {children}
        </div>
      </main>
    </div>
  );
}

/** "meting 2025", but "Meting 2025" as it is when the round's name already says so. */
export function roundLabel(name: string): string {
  return /^meting\b/i.test(name.trim()) ? name.trim() : `meting ${name.trim()}`;
}

/** The study's name as header above every page of a working link. */
function Frame({ survey, children }: { survey: SurveyPayload; children: ReactNode }) {
  return (
    <div className="mr-r">
      <header className="mr-r-header">
        <div className="mr-r-inner">
          <h1 className="mr-r-study">{survey.study.name}</h1>
          <p className="mr-r-school">
            {survey.school.name}
            {survey.round.name ? ` · ${roundLabel(survey.round.name)}` : ''}
          </p>
        </div>
      </header>
      <main className="mr-r-inner mr-r-main">{children}</main>
    </div>
  );
}

function CompletedPage({ survey }: { survey: SurveyPayload }) {
  return (
    <Frame survey={survey}>
      <section className="mr-card mr-r-message" data-testid="thank-you">
        <h2>Hartelijk dank voor het invullen!</h2>
        <p>
          Uw antwoorden zijn ontvangen{survey.completedAt ? ` op ${formatMoment(survey.completedAt)}` : ''}. U kunt dit venster sluiten, of
          hieronder uw antwoorden bekijken en afdrukken.
        </p>
      </section>
      <div className="mr-card">
        <Suspense fallback={loading}>
          <CompletedSummary survey={survey} />
        </Suspense>
      </div>
    </Frame>
  );
}
