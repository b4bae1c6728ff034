import { useEffect, useRef, useState } from 'react';
import type { Model, PageModel } from 'survey-core';
import { createSurveyModel, type Answers } from '../shared/survey/model';
import { SurveyView } from '../shared/survey/SurveyView';
import { AutoSaver, sameAnswers, type SaveStatus } from './autosave';
import type { LocalStore } from './local-copy';
import { Refused, Unreachable, type QuestionError, type RespondentApi, type Stale, type SurveyPayload } from './respondent-api';

const STATUS_TEXT: Record<SaveStatus, string> = {
  idle: 'Uw antwoorden worden automatisch opgeslagen.',
  pending: 'Bezig met opslaan…',
  saving: 'Bezig met opslaan…',
  saved: 'Opgeslagen',
  retrying: 'Niet opgeslagen – we proberen het opnieuw',
  failed: 'Niet opgeslagen',
};

const STALE_NOTICE =
  'Uw antwoorden zijn intussen ergens anders gewijzigd, bijvoorbeeld in een ander tabblad of op een ander apparaat. ' +
  'We hebben de nieuwste antwoorden geladen; controleer ze en ga dan verder.';
const RESTORED_NOTICE = 'Er waren nog antwoorden die niet waren opgeslagen. We hebben ze teruggezet en slaan ze nu op.';
const OFFLINE_NOTICE = 'De server is niet bereikbaar. Uw antwoorden zijn op dit apparaat bewaard; probeer het over een moment opnieuw.';

interface Props {
  survey: SurveyPayload;
  initialNotice: string | null;
  api: RespondentApi;
  store: LocalStore;
  onRefused: (survey: SurveyPayload) => void;
  onCompleted: (survey: SurveyPayload) => void;
  onReload: (notice: string | null) => void;
  /** Before consent: the answer given on the plain consent page (ConsentForm) while SurveyJS loaded. */
  initialConsent?: string | null;
  /** Before consent: the plain page's button was pressed; go on (or refuse) as the SurveyJS button would. */
  advance?: boolean;
}

/**
 * `currentPage` is the page's index among all pages of the questionnaire (visible or not), so it
 * names the same page whatever the routing shows; the server checks it is below the page count.
 */
export function pageIndex(model: Model): number {
  const current = model.currentPage as PageModel | null;
  return current ? Math.max(0, model.pages.indexOf(current)) : 0;
}

/** Goes to page `index`, or to the nearest visible page before it when the routing hides it. */
function setPage(model: Model, index: number): void {
  const start = Math.min(Number.isInteger(index) && index >= 0 ? index : 0, model.pages.length - 1);
  for (let i = start; i >= 0; i--) {
    const page = model.pages[i];
    if (page?.isVisible) {
      model.currentPage = page;
      return;
    }
  }
}

/**
 * On the consent page the introduction folds into "Over dit onderzoek" (one tap away), so on a
 * phone the consent question and its buttons are on the first screen.
 */
/** Subscribes a handler to a SurveyJS event; returns the unsubscription. */
function on<H>(event: { add(handler: H): void; remove(handler: H): void }, handler: H): () => void {
  event.add(handler);
  return () => event.remove(handler);
}

/** Listens to a DOM event; returns the removal. */
function listen(target: EventTarget, type: string, handler: () => void): () => void {
  target.addEventListener(type, handler);
  return () => target.removeEventListener(type, handler);
}

function collapseIntroduction(model: Model): void {
  const page = model.pages[0];
  if (!page) return;
  for (const question of page.questions) {
    if (question.getType() !== 'html') continue;
    const html = (question as unknown as { html: string }).html;
    if (!html || html.includes('mr-intro')) continue;
    (question as unknown as { html: string }).html = `<details class="mr-intro"><summary>Over dit onderzoek</summary>${html}</details>`;
  }
}

/**
 * The questionnaire of a working link. Before consent nothing but the consent answer reaches the
 * server (POST consent when the respondent moves on); after it every change is autosaved.
 */
export function QuestionnairePage({ survey, initialNotice, api, store, onRefused, onCompleted, onReload, initialConsent, advance }: Props) {
  const consent = survey.consent;
  const [notice, setNotice] = useState<{ text: string; kind: 'info' | 'error' } | null>(
    initialNotice ? { text: initialNotice, kind: 'info' } : null,
  );
  const [status, setStatus] = useState<SaveStatus>('idle');
  const restoredRef = useRef(false);
  const advancedRef = useRef(false);
  // The parent's callbacks change identity on every render; the model's handlers are set up once.
  const callbacks = useRef({ onRefused, onCompleted, onReload });
  callbacks.current = { onRefused, onCompleted, onReload };

  const [model] = useState(() => {
    const m = createSurveyModel(survey.questionnaire, survey.variables);
    let data: Answers = survey.data ?? {};
    let page = survey.currentPage;
    if (survey.state === 'open') {
      // Answers typed while the server was unreachable, on top of the revision the server still has.
      const copy = store.read();
      if (copy && copy.baseRevision === survey.revision && !sameAnswers(copy.data, data)) {
        data = copy.data;
        page = copy.currentPage;
        restoredRef.current = true;
      } else if (copy) store.clear();
    }
    if (survey.state !== 'open' && initialConsent) data = { ...data, [consent.question]: initialConsent };
    m.data = data;
    if (survey.state === 'open') setPage(m, page);
    // Before consent there is one page; a progress bar would only say "1 van 1".
    else {
      m.showProgressBar = false;
      collapseIntroduction(m);
    }
    return m;
  });

  useEffect(() => {
    const { onRefused, onCompleted, onReload } = {
      onRefused: (s: SurveyPayload) => callbacks.current.onRefused(s),
      onCompleted: (s: SurveyPayload) => callbacks.current.onCompleted(s),
      onReload: (n: string | null) => callbacks.current.onReload(n),
    };
    let serverState = survey.state;
    let suppress = false;
    let saver: AutoSaver | null = null;
    let completed: SurveyPayload | null = null;
    // Answers kept while the consent answer is switched away from "yes", so switching back restores them.
    let keptWhileNo: Answers | null = null;

    const applyStale = (stale: Stale) => {
      suppress = true;
      try {
        model.data = stale.data ?? {};
        setPage(model, stale.currentPage);
      } finally {
        suppress = false;
      }
      saver?.replaced(stale.revision);
      setNotice({ text: STALE_NOTICE, kind: 'info' });
    };

    const rejected = (error: Refused) => {
      // The link closed, consent was withdrawn, or the survey was completed elsewhere: show that state.
      if (error.status === 404 || error.status === 403 || error.code === 'completed' || error.code === 'closed') {
        saver?.stop();
        onReload(error.status === 403 ? error.message : null);
        return;
      }
      setNotice({ text: error.message, kind: 'error' });
    };

    const startSaver = (revision: number) => {
      saver = new AutoSaver({
        api,
        store,
        revision,
        snapshot: () => ({ data: model.data as Answers, currentPage: pageIndex(model) }),
        onStatus: setStatus,
        onStale: applyStale,
        onRejected: rejected,
      });
    };
    if (serverState === 'open') {
      startSaver(survey.revision);
      if (restoredRef.current) {
        setNotice({ text: RESTORED_NOTICE, kind: 'info' });
        saver!.changed(true);
      }
    }

    const consentGiven = () => model.getValue(consent.question) === consent.yes;

    const onValueChanged = (_: Model, options: { name: string; value: unknown }) => {
      if (suppress) return;
      if (options.name === consent.question) {
        if (options.value === consent.yes && keptWhileNo) {
          const kept = keptWhileNo;
          keptWhileNo = null;
          suppress = true;
          try {
            model.mergeData(kept);
          } finally {
            suppress = false;
          }
        }
      }
      // Before consent, and while the consent answer reads "no", nothing is sent.
      if (serverState !== 'open' || !consentGiven()) return;
      saver?.changed(false);
    };
    const onValueChanging = (_: Model, options: { name: string; value: unknown; oldValue: unknown }) => {
      if (suppress) return;
      if (options.name === consent.question && options.oldValue === consent.yes && options.value !== consent.yes) {
        keptWhileNo = { ...(model.data as Answers) };
      }
    };

    const onCurrentPageChanging = async (_: Model, options: { isGoingForward: boolean; allow: boolean }) => {
      if (suppress || serverState === 'open' || !options.isGoingForward) return;
      // Leaving the consent page: the consent answer is the first and only thing sent.
      if (!consentGiven()) {
        options.allow = false;
        return;
      }
      try {
        const next = await api.consent(consent.yes);
        if (next === 'closed') {
          options.allow = false;
          onReload(null);
          return;
        }
        serverState = 'open';
        model.showProgressBar = true;
        startSaver(next.revision);
        setNotice(null);
      } catch (error) {
        options.allow = false;
        if (error instanceof Unreachable) setNotice({ text: OFFLINE_NOTICE, kind: 'error' });
        else if (error instanceof Refused) rejected(error);
      }
    };

    const onCurrentPageChanged = () => {
      if (suppress || serverState !== 'open' || !consentGiven()) return;
      saver?.changed(true);
    };

    const showErrors = (errors: QuestionError[], message: string) => {
      let firstPage: PageModel | null = null;
      const general: string[] = [];
      const located: Array<{ name: string; text: string }> = [];
      for (const error of errors) {
        const question = error.question ? model.getQuestionByName(error.question) : null;
        if (!question || !question.isVisible) {
          general.push(error.message);
          continue;
        }
        located.push({ name: question.name, text: error.message });
        const page = question.page as PageModel | null;
        if (page && (!firstPage || page.visibleIndex < firstPage.visibleIndex)) firstPage = page;
      }
      if (firstPage && firstPage !== model.currentPage) {
        suppress = true;
        try {
          model.currentPage = firstPage;
        } finally {
          suppress = false;
        }
      }
      // Errors go on after the page switch, which clears the errors of the page it leaves.
      for (const { name, text } of located) model.getQuestionByName(name)?.addError(text);
      const first = located[0] && model.getQuestionByName(located[0].name);
      first?.focus(true);
      setNotice({ text: [message, ...general].join(' '), kind: 'error' });
    };

    const onCompleting = async (_: Model, options: { allow: boolean }) => {
      options.allow = false;
      if (model.getValue(consent.question) === consent.no) {
        try {
          const refused = await api.consent(consent.no);
          saver?.stop();
          store.clear();
          if (refused === 'closed') onReload(null);
          else onRefused(refused);
        } catch (error) {
          if (error instanceof Unreachable) setNotice({ text: OFFLINE_NOTICE, kind: 'error' });
          else if (error instanceof Refused) rejected(error);
        }
        return;
      }
      if (serverState !== 'open' || !saver) return;
      await saver.settle();
      try {
        const result = await api.complete(model.data as Answers, pageIndex(model), saver.revision);
        if (result.kind === 'completed') {
          saver.stop();
          store.clear();
          completed = result.survey;
          options.allow = true;
        } else if (result.kind === 'invalid') {
          showErrors(result.errors, result.message);
        } else {
          applyStale(result.stale);
        }
      } catch (error) {
        if (error instanceof Unreachable) setNotice({ text: OFFLINE_NOTICE, kind: 'error' });
        else if (error instanceof Refused) rejected(error);
      }
    };
    const onComplete = () => {
      if (completed) onCompleted(completed);
    };

    const onHide = () => saver?.flush();
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') saver?.flush();
    };
    const onOnline = () => saver?.retryNow();

    const unsubscribe = [
      on(model.onValueChanging, onValueChanging),
      on(model.onValueChanged, onValueChanged),
      on(model.onCurrentPageChanging, onCurrentPageChanging),
      on(model.onCurrentPageChanged, onCurrentPageChanged),
      on(model.onCompleting, onCompleting),
      on(model.onComplete, onComplete),
      listen(window, 'pagehide', onHide),
      listen(document, 'visibilitychange', onVisibility),
      listen(window, 'online', onOnline),
    ];
    // The plain consent page's button was pressed before SurveyJS was there: press it now.
    if (advance && !advancedRef.current && serverState !== 'open') {
      advancedRef.current = true;
      if (model.isLastPage) model.completeLastPage();
      else model.nextPage();
    }
    return () => {
      for (const off of unsubscribe) off();
      // Unmounting (a reload from the server) sends what is still unsaved first.
      saver?.flush();
      saver?.stop();
    };
    // `advance` is read once, when the page mounts after the plain consent page.
  }, [model, survey, api, store, consent]);

  const open = survey.state === 'open' || status !== 'idle';
  return (
    <>
      {open && (
        <p className={`mr-r-save mr-r-save-${status}`} role="status" aria-live="polite" data-testid="save-status">
          {STATUS_TEXT[status]}
        </p>
      )}
      {notice && (
        <div className={notice.kind === 'error' ? 'mr-r-notice mr-r-notice-error' : 'mr-r-notice'} role="alert" data-testid="notice">
          <p>{notice.text}</p>
          <button type="button" className="secondary" onClick={() => setNotice(null)}>
            Sluiten
          </button>
        </div>
      )}
      <SurveyView model={model} />
    </>
  );
}
