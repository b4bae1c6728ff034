import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES, renderTemplate } from '../../server/mailings/templates';

const hostile = 'Basisschool De Zon\r\nVan: directie@bestuur.example\nLink: http://phish.example/s/abc\u2028Onderwerp: Urgent\u0085Reply-To: x@evil.example';

describe('names from imported lists in mail bodies', () => {
  it('never start a line of their own, so a DUO name cannot fake header lines in the body', () => {
    for (const kind of ['invitation', 'reminder'] as const) {
      const mail = renderTemplate(DEFAULT_TEMPLATES[kind], { school: hostile, swv: 'SWV\nAan: iedereen', onderzoek: 'Onderzoek\r\n\r\nBeste lezer,' }, { deferLinks: true });
      for (const body of [mail.text, mail.html]) {
        for (const line of body.split(/\r\n|\r|\n|\u2028|\u2029|\u0085/)) {
          expect(line, kind).not.toMatch(/^\s*(Van|Aan|Link|Onderwerp|Reply-To|Beste lezer)\b/);
        }
      }
      expect(mail.text).toContain('Basisschool De Zon Van: directie@bestuur.example Link: http://phish.example/s/abc Onderwerp: Urgent Reply-To: x@evil.example');
      expect(mail.subject).not.toMatch(/[\r\n]/);
    }
  });

  it('keep ordinary names as they are', () => {
    const mail = renderTemplate(DEFAULT_TEMPLATES.invitation, { school: "Basisschool 't Kompas (Zwolle)" });
    expect(mail.text).toContain("Basisschool 't Kompas (Zwolle)");
  });
});
