import { describe, expect, it } from 'vitest';
import { variablesFor } from '../../server/questionnaires';

describe('variablesFor', () => {
  it.each([
    [{ situation: 'po-ko', sector: 'po' }, 'de kinderopvang', '(hoog)begaafdheid/ontwikkelingsvoorsprong'],
    [{ situation: 'po-vo', sector: 'po' }, 'vo-scholen', '(hoog)begaafdheid'],
    [{ situation: 'po-vo', sector: 'vo' }, 'po-scholen', '(hoog)begaafdheid'],
    [{ situation: 'po-po', sector: 'po' }, 'andere po-scholen', '(hoog)begaafdheid'],
    [{ situation: 'vo-vo', sector: 'vo' }, 'andere vo-scholen', '(hoog)begaafdheid'],
    [{ situation: 'vso-vo', sector: 'vo' }, 'scholen voor voortgezet speciaal onderwijs (vso)', '(hoog)begaafdheid'],
    [{ situation: 'vso-vo', sector: 'vo', schoolKind: 'vso' }, 'reguliere vo-scholen', '(hoog)begaafdheid'],
    [{ situation: 'ow-jh', sector: 'vo' }, 'jeugdhulp', '(hoog)begaafdheid'],
    [{ situation: null, sector: 'vo' }, 'samenwerkingspartners', '(hoog)begaafdheid'],
  ] as const)('words the partner and theme for %j', (input, partner, thema) => {
    const variables = variablesFor({ ...input, schoolName: 'X' });
    expect(variables).toMatchObject({ partner, thema, situatie: input.situation ?? '', sector: input.sector });
  });

  it('tells a po school in po–vo from a vo school by its kind when the sector is unknown', () => {
    expect(variablesFor({ situation: 'po-vo', sector: null, schoolKind: 'vo', schoolName: 'X' }).partner).toBe('po-scholen');
    expect(variablesFor({ situation: 'po-vo', sector: null, schoolKind: 'sbo', schoolName: 'X' }).partner).toBe('vo-scholen');
  });

  it('tidies the school name and never leaves it empty', () => {
    expect(variablesFor({ situation: 'po-po', sector: 'po', schoolName: '  OBS   De\nTest ' }).school_naam).toBe('OBS De Test');
    expect(variablesFor({ situation: 'po-po', sector: 'po', schoolName: ' ' }).school_naam).toBe('uw school');
    expect(variablesFor({ situation: 'po-po', sector: 'po', schoolName: 'x'.repeat(500) }).school_naam).toHaveLength(200);
  });
});
