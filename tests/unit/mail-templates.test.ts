import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TEMPLATES,
  displayName,
  escapeHtml,
  formatCloseDate,
  hasLinkMarkers,
  renderTemplate,
  resolveLinks,
  templateProblems,
  type PlaceholderValues,
} from '../../server/mailings/templates';

const values: PlaceholderValues = {
  school: 'OBS De Regenboog',
  swv: 'SWV Eemland',
  link: 'https://meetronde.nl/s/abc',
  sluitingsdatum: 'vrijdag 10 april 2026',
  onderzoek: 'IMAGE',
  meting: '2026',
  afzender: 'Het IMAGE-team',
  afmelden: 'https://meetronde.nl/u/1-xyz',
};

describe('mail templates', () => {
  it('ships valid Dutch defaults for both kinds', () => {
    for (const kind of ['invitation', 'reminder'] as const) {
      expect(templateProblems(DEFAULT_TEMPLATES[kind])).toEqual([]);
      const mail = renderTemplate(DEFAULT_TEMPLATES[kind], values);
      expect(mail.text).toContain('https://meetronde.nl/s/abc');
      expect(mail.html).toContain('href="https://meetronde.nl/u/1-xyz"');
      expect(mail.text).not.toMatch(/\{\{/);
    }
  });

  it('escapes every value in HTML but not in the text part', () => {
    const hostile = { ...values, school: `<b onclick="x">'t & "Kompas"</b>` };
    const mail = renderTemplate({ subject: '{{school}}', text: '{{school}} {{link}} {{afmelden}}', html: '<p>{{school}}</p>' }, hostile);
    expect(mail.html).toBe('<p>&lt;b onclick=&quot;x&quot;&gt;&#39;t &amp; &quot;Kompas&quot;&lt;/b&gt;</p>');
    expect(mail.text.startsWith(hostile.school)).toBe(true);
  });

  it('never re-scans a value for placeholders, and keeps the subject on one line', () => {
    const mail = renderTemplate({ subject: 'Voor {{school}}', text: '{{school}}', html: '{{school}}' }, { ...values, school: '{{link}}\r\nBcc: x@y.z' });
    // A line break in a value does not reach the body either (issue 26: fake header lines).
    expect(mail.text).toBe('{{link}} Bcc: x@y.z');
    expect(mail.subject).toBe('Voor {{link}} Bcc: x@y.z');
  });

  it('leaves markers for the links when asked and fills them in later, escaped in HTML', () => {
    const t = { subject: 's', text: 'Ga naar {{link}} of {{ afmelden }}', html: '<a href="{{link}}">x</a>' };
    const stored = renderTemplate(t, values, { deferLinks: true });
    expect(stored.text).not.toContain('https://');
    expect(hasLinkMarkers(stored.text)).toBe(true);
    const links = { link: 'https://x/s/a&b', afmelden: 'https://x/u/1-c' };
    expect(resolveLinks(stored.text, links, false)).toBe('Ga naar https://x/s/a&b of https://x/u/1-c');
    expect(resolveLinks(stored.html, links, true)).toBe('<a href="https://x/s/a&amp;b">x</a>');
    // A value cannot smuggle a marker in.
    expect(renderTemplate({ subject: 'x', text: '{{school}}', html: '' }, { school: '\uE000link\uE001' }, { deferLinks: true }).text).toBe('link');
  });

  it('reports unknown, half-written and misplaced placeholders and missing links in Dutch', () => {
    const problems = templateProblems({ subject: 'Over {{link}}\n', text: 'Hoi {{naam}} {{school', html: '<p>{{school}}</p>' });
    const text = problems.map((p) => `${p.field}: ${p.problem}`);
    expect(text).toEqual(
      expect.arrayContaining([
        'text: Onbekende plaatshouder {{naam}}.',
        'text: Er staat een onvolledige plaatshouder in (gebruik {{naam}}).',
        'subject: {{link}} hoort niet in het onderwerp.',
        'subject: Het onderwerp moet op één regel staan.',
        'text: De persoonlijke link {{link}} ontbreekt.',
        'html: De afmeldlink {{afmelden}} ontbreekt.',
      ]),
    );
  });

  it('formats the close date as the last open day in Amsterdam', () => {
    expect(formatCloseDate(new Date('2026-04-11T00:00:00+02:00'))).toBe('vrijdag 10 april 2026');
    expect(formatCloseDate(new Date('2026-04-10T17:00:00+02:00'))).toBe('vrijdag 10 april 2026, 17:00 uur');
    expect(formatCloseDate(new Date('2026-04-10T23:59:00+02:00'))).toBe('vrijdag 10 april 2026');
    expect(formatCloseDate(new Date('2026-01-01T00:00:00+01:00'))).toBe('woensdag 31 december 2025');
    expect(formatCloseDate(null)).toBe('het einde van de meting');
  });

  it('takes the sender name from MAIL_FROM', () => {
    expect(displayName('Meetronde <noreply@meetronde.nl>')).toBe('Meetronde');
    expect(displayName('"IMAGE-team" <a@b.nl>')).toBe('IMAGE-team');
    expect(displayName('a@b.nl')).toBe('a@b.nl');
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });
});
