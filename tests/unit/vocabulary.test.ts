import { describe, expect, it } from 'vitest';
import { NO_SITUATION_LABEL, NO_SITUATION_SHORT, SITUATION_IN_TEXT, SITUATION_LABELS, SITUATION_SHORT, SITUATIONS } from '../../contract/vocabulary';
import { readSource, sourceFiles } from '../helpers/source-files';

/** Files allowed to spell a label (none: every file imports the vocabulary). */
const PENDING: Record<string, string> = {};

describe('the domain vocabulary (contract/vocabulary.ts)', () => {
  // The full labels, the short names and the former admin-form label of vso–vo: none may be spelled again.
  const labels = [
    ...Object.values(SITUATION_LABELS),
    ...Object.values(SITUATION_SHORT),
    ...Object.values(SITUATION_IN_TEXT).map((l) => `'${l}'`),
    NO_SITUATION_LABEL,
    NO_SITUATION_SHORT,
    'Tussen vso en regulier vo',
  ];
  const files = [...sourceFiles('server'), ...sourceFiles('client')];

  it('has a label for each of the six situations', () => {
    expect(SITUATIONS).toHaveLength(6);
    for (const s of SITUATIONS) for (const map of [SITUATION_LABELS, SITUATION_SHORT, SITUATION_IN_TEXT]) expect(map[s]).toMatch(/\S/);
    // The report's Tabel 3 wording (../shared/questionnaires/image-samenwerking.md).
    expect(SITUATION_LABELS['vso-vo']).toBe('Tussen voortgezet speciaal en regulier onderwijs');
  });

  it('is the only .ts/.tsx file in server/ and client/ that spells a situation label', () => {
    expect(files.length).toBeGreaterThan(50);
    const offenders: string[] = [];
    for (const file of files) {
      const text = readSource(file);
      for (const label of labels) {
        if (!text.includes(label)) continue;
        if (PENDING[file] === label) continue;
        offenders.push(`${file}: ${label}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('lists only pending files that still spell their label', () => {
    const stale = Object.entries(PENDING).filter(([file, label]) => !readSource(file).includes(label));
    expect(stale.map(([file]) => file)).toEqual([]);
  });
});
