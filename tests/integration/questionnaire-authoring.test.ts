import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../server/app';
import { contentSha256 } from '../../server/questionnaires';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { changedCopyOf2023 } from '../fixtures/questionnaire-copy';

// Keep the background routing check short in tests (the unit suite runs the full property).
process.env.ROUTING_CHECK_SEQUENCES ??= '25';
// survey-core loads on first use and the expression check runs in a worker: slow on a busy machine.
vi.setConfig({ testTimeout: 180_000 });

describeEachDatabase('questionnaire versions from the admin app', (getDatabase) => {
  let app: App;
  let researcher: Record<string, string>;
  let researcherId: number;
  let admin: Record<string, string>;
  const db = () => getDatabase().db;

  beforeAll(async () => {
    ({ app } = await makeTestApp(getDatabase()));
    const r = await loginAs(db(), 'researcher');
    researcher = r.headers;
    researcherId = r.user.id;
    admin = (await loginAs(db(), 'admin')).headers;
  });
  afterAll(async () => app?.close());

  const post = async (url: string, payload: unknown, headers = researcher) => {
    const res = await app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });
    return { status: res.statusCode, body: res.json() };
  };
  const get = async (url: string, headers = researcher) => {
    const res = await app.inject({ method: 'GET', url, headers });
    return { status: res.statusCode, body: res.json() };
  };
  /** Polls the background routing check until it is done (no timing asserted). */
  const finished = async (id: string) => {
    for (;;) {
      const { body } = await get(`/api/questionnaire-versions/checks/${id}`);
      if (body.status !== 'running') return body;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const uploads = async () => (await db().selectFrom('questionnaire_versions').select('id').where('source', '=', 'upload').execute()).length;

  let savedRef = '';

  it('checks a changed copy of the 2023 questionnaire: lint, the difference with 2023 in Dutch, the routing in the background', async () => {
    const { text } = changedCopyOf2023();
    const check = await post('/api/questionnaire-versions/check', { text });
    expect(check.status).toBe(200);
    expect(check.body.problems).toEqual([]);
    expect(check.body).toMatchObject({ ok: true, key: 'image-samenwerking', version: '2024', usesSituation: true, branch: { question: 'Q_mate' } });
    const diff = check.body.diff;
    expect(diff.previous).toMatchObject({ ref: 'image-samenwerking-2023', version: '2023' });
    expect(diff.added).toEqual([
      { name: 'A_positie_rol', title: 'Welke rol speelt {thema} in de samenwerking met {partner}?' },
      { name: 'C_toelichting', title: 'Wilt u nog iets toelichten over de <b>samenwerking</b>?' },
    ]);
    expect(diff.removed.map((q: { name: string }) => q.name)).toEqual(['A_positie_hb', 'C_nodig']);
    const changed = Object.fromEntries(diff.changed.map((c: { name: string; changes: string[]; comparability: string }) => [c.name, c]));
    expect(changed.A_contact_frequentie.changes).toContain('antwoordoptie toegevoegd: "Elke week"');
    expect(changed.A_contact_frequentie.comparability).toMatch(/^deels vergelijkbaar/);
    expect(diff.comparable).toContain('A_doelen');
    expect(diff.comparable).not.toContain('A_contact_frequentie');
    expect(diff.notComparable).toEqual(['A_contact_frequentie']);

    expect(check.body.routingCheck).toMatchObject({ status: 'running', total: 25 });
    const job = await finished(check.body.routingCheck.id);
    expect(job).toMatchObject({ status: 'passed', done: 25, failure: null });
    expect(job.message).toMatch(/^De routering klopt: 25 willekeurige reeksen/);

    // Someone else cannot read this check.
    const other = (await loginAs(db(), 'researcher')).headers;
    expect((await get(`/api/questionnaire-versions/checks/${check.body.routingCheck.id}`, other)).status).toBe(404);

    // Saving needs the passed check of exactly this text.
    expect(await post('/api/questionnaire-versions', { text: text + ' ', routingCheck: '00000000-0000-4000-8000-000000000000' })).toMatchObject({
      status: 400,
      body: { error: 'routing_not_checked' },
    });
    const before = await uploads();
    const saved = await post('/api/questionnaire-versions', { text, routingCheck: job.id, basedOn: 'image-samenwerking-2023' });
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ key: 'image-samenwerking', version: '2024', sha256: contentSha256(JSON.parse(text)) });
    expect(await uploads()).toBe(before + 1);
    savedRef = saved.body.ref;
    const id = Number(savedRef.slice(1));
    const row = await db().selectFrom('questionnaire_versions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ source: 'upload', created_by: researcherId, questionnaire_key: 'image-samenwerking', version: '2024', sha256: saved.body.sha256 });
    expect(contentSha256(row.content)).toBe(row.sha256);

    // Audited: who, when, sha256.
    const entry = await db().selectFrom('audit_log').selectAll().where('action', '=', 'questionnaire.version_saved').where('target', '=', `questionnaire_version:${id}`).executeTakeFirstOrThrow();
    expect(entry.user_id).toBe(researcherId);
    expect(entry.at).toBeTruthy();
    expect(entry.details).toMatchObject({ sha256: row.sha256, key: 'image-samenwerking', version: '2024' });

    // Listed beside the built-in files.
    const list = await get('/api/questionnaire-versions');
    const refs = list.body.versions.map((v: { ref: string }) => v.ref);
    expect(refs).toEqual(expect.arrayContaining(['image-samenwerking-2022', 'image-samenwerking-2023', savedRef]));
    expect(list.body.versions.find((v: { ref: string }) => v.ref === savedRef)).toMatchObject({ source: 'upload', version: '2024', createdBy: expect.stringMatching(/^Test researcher/) });
  });

  it('shows a question reworded under its old name in the difference, and refuses it: a name means one question across versions', async () => {
    const check = await post('/api/questionnaire-versions/check', { text: changedCopyOf2023('2023.5', { keepName: true }).text });
    expect(check.body.ok).toBe(false);
    const reworded = check.body.diff.changed.find((c: { name: string }) => c.name === 'A_positie_hb');
    expect(reworded).toMatchObject({ comparability: 'vergelijkbaar' });
    expect(reworded.changes[0]).toBe('vraagtekst gewijzigd: "Welke plaats neemt {thema} in binnen de samenwerking met {partner}?" → "Welke rol speelt {thema} in de samenwerking met {partner}?"');
    expect(check.body.problems).toEqual([
      expect.objectContaining({ rule: 'versions', message: 'Dezelfde vraagnaam betekent in een andere versie een andere vraag (pages[3].elements[1] (A_positie_hb)).' }),
    ]);
  });

  it('keeps a saved version immutable: no UPDATE, no second save of the same version number', async () => {
    const id = Number(savedRef.slice(1));
    await expect(db().updateTable('questionnaire_versions').set({ title: 'Anders' }).where('id', '=', id).execute()).rejects.toThrow(/immutable/);
    await expect(db().updateTable('questionnaire_versions').set({ content: JSON.stringify({}) }).where('id', '=', id).execute()).rejects.toThrow(/immutable/);
    const row = await db().selectFrom('questionnaire_versions').select(['title', 'sha256', 'content']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(contentSha256(row.content)).toBe(row.sha256);

    const { content } = changedCopyOf2023();
    (content.pages as Array<{ elements: Array<{ name?: string; title?: string }> }>)[4]!.elements[0]!.title = 'Nog een andere tekst';
    const again = await post('/api/questionnaire-versions/check', { text: JSON.stringify(content) });
    expect(again.body.ok).toBe(false);
    expect(again.body.problems.map((p: { message: string }) => p.message).join('\n')).toContain(`Versie 2024 van image-samenwerking bestaat al (${savedRef})`);
    const same = await post('/api/questionnaire-versions/check', { text: changedCopyOf2023().text });
    expect(same.body.problems.map((p: { message: string }) => p.message)).toContain(`Deze versie is al opgeslagen als ${savedRef}; er is niets gewijzigd.`);
  });

  it('offers a saved version for a new round, which pins exactly that row', async () => {
    const options = await get('/api/rounds/options', admin);
    expect(options.body.questionnaires).toContainEqual({ id: savedRef, title: expect.stringContaining('versie 2024'), usable: true });
    const study = await post('/api/studies', { name: `Studie ${savedRef} ${Date.now()}` }, admin);
    const round = await post('/api/rounds', { studyId: study.body.id, name: 'Meting 2024', questionnaireId: savedRef }, admin);
    expect(round.status).toBe(201);
    expect(round.body.questionnaire_version_id).toBe(Number(savedRef.slice(1)));
  });

  it('prints a version: every page and question with options and who sees it, per situation or for all', async () => {
    const all = await get(`/api/questionnaire-versions/${savedRef}/print`);
    expect(all.status).toBe(200);
    const questions = all.body.pages.flatMap((p: { elements: Array<{ kind: string }> }) => p.elements.filter((e) => e.kind === 'question'));
    expect(questions.map((q: { name: string }) => q.name)).toContain('C_toelichting');
    expect(questions.map((q: { name: string }) => q.name)).not.toContain('C_nodig');
    const page = all.body.pages.find((p: { name: string }) => p.name === 'samenwerking');
    expect(page.shownTo).toBe('alleen als Q_mate = wel (Mijn school werkt samen rondom [thema])');
    const frequentie = questions.find((q: { name: string }) => q.name === 'A_contact_frequentie');
    expect(frequentie.choices.at(-1)).toEqual({ value: 'wekelijks', text: 'Elke week' });
    const toelichting = questions.find((q: { name: string }) => q.name === 'C_toelichting');
    expect(toelichting.title).toBe('Wilt u nog iets toelichten over de <b>samenwerking</b>?');
    const povo = await get(`/api/questionnaire-versions/${savedRef}/print?situation=po-vo`);
    expect(povo.body.situation).toBe('po-vo');
    expect(JSON.stringify(povo.body)).not.toContain('[partner]');
    expect((await get('/api/questionnaire-versions/v999999/print')).status).toBe(404);
  });

  describe('refuses a hostile questionnaire clearly, and stores nothing', () => {
    const hostile = (html: string) => {
      const { content } = changedCopyOf2023('2031');
      (content.pages as Array<{ elements: Array<Record<string, unknown>> }>)[0]!.elements[0]!.html = html;
      return JSON.stringify(content);
    };
    const refusal = async (text: string) => {
      const before = await uploads();
      const res = await post('/api/questionnaire-versions/check', { text });
      expect(res.status).toBe(200);
      expect(res.body.ok).toBe(false);
      expect(res.body.routingCheck).toBeNull();
      // Saving it anyway is refused too.
      const saved = await post('/api/questionnaire-versions', { text, routingCheck: '00000000-0000-4000-8000-000000000000' });
      expect(saved.status).toBe(400);
      // Refused for what it holds, or (an expression budget is only run by the check) for having no passed check.
      expect(saved.body.error).toMatch(/^(questionnaire_not_valid|routing_not_checked)$/);
      expect(await uploads()).toBe(before);
      return res.body.problems.map((p: { message: string }) => p.message) as string[];
    };

    it('a script, an event handler, a javascript: link', async () => {
      const messages = await refusal(hostile('<p>Welkom</p><script>fetch("/api/auth/me")</script><img src="/logo.png" onerror="alert(1)"><a href="javascript:alert(2)">klik</a>'));
      expect(messages).toContain('Bevat een <script>-element. Scripts, frames, formulieren en stijlblokken zijn niet toegestaan in vragenlijstteksten.');
      expect(messages).toContain('Bevat een event-handler (onerror=…). Code in een vragenlijst wordt niet uitgevoerd en is niet toegestaan.');
      expect(messages).toContain('Bevat een javascript:- of data:text/html-adres. Code in een vragenlijst is niet toegestaan.');
    });

    it('an image from another site, in HTML or as an image property', async () => {
      expect((await refusal(hostile('<img src="https://tracker.example/pixel.gif">')))[0]).toMatch(/^Bevat een afbeelding van buiten deze site \(https:\/\/tracker\.example\/pixel\.gif\)/);
      const { content } = changedCopyOf2023('2032');
      content.logo = '//tracker.example/logo.png';
      expect((await refusal(JSON.stringify(content)))[0]).toMatch(/^Verwijst naar een afbeelding van buiten deze site/);
    });

    it('huge JSON and deeply nested JSON', async () => {
      const huge = JSON.stringify({ title: 'x', pad: 'x'.repeat(1024 * 1024 + 10) });
      expect(await refusal(huge)).toEqual([expect.stringMatching(/^De vragenlijst is te groot: 1,0 MB, de grens is 1,0 MB/)]);
      const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
      expect(await refusal(deep)).toEqual([expect.stringMatching(/^De JSON is te diep genest \(meer dan 40 niveaus\)/)]);
      // Bigger than the route takes at all: the server's own 413 in Dutch.
      const res = await app.inject({ method: 'POST', url: '/api/questionnaire-versions/check', headers: researcher, payload: { text: 'x'.repeat(3 * 1024 * 1024) } });
      expect(res.statusCode).toBe(413);
      expect(res.json().message).toBe('Het verzoek is te groot.');
    });

    it('expressions too long or too deeply nested to evaluate', async () => {
      const { content } = changedCopyOf2023('2033');
      const page = (content.pages as Array<Record<string, unknown>>)[2]!;
      page.visibleIf = '('.repeat(30) + "{Q_consent} = 'ja'" + ')'.repeat(30);
      expect(await refusal(JSON.stringify(content))).toEqual([expect.stringMatching(/^Deze expressie is te diep genest/)]);
    });

    it('expressions that do not finish: the evaluation is ended at its time budget', async () => {
      // Each answer sets the next one (setValueIf), whose condition every question reads again: the
      // cascade does not finish in minutes on survey-core, so the worker running it is ended.
      const elements = Array.from({ length: 150 }, (_, i) =>
        i === 0
          ? { type: 'text', name: 'q0' }
          : { type: 'text', name: `q${i}`, setValueIf: `{q${i - 1}} notempty`, setValueExpression: `{q${i - 1}} + 1`, visibleIf: `{q${i - 1}} notempty or {q0} empty` },
      );
      const messages = await refusal(JSON.stringify({ title: 'Cascade', pages: [{ name: 'p', elements }] }));
      expect(messages).toEqual([expect.stringMatching(/^De expressies van deze vragenlijst zijn niet binnen 15 seconden door te rekenen/)]);
    });
  });
});
