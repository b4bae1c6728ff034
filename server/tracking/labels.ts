import type { Situation } from '../db/types';

/** The report's order and wording (IMAGE report, Tabel 3 and Tabel B1). */
export const SITUATIONS: Situation[] = ['po-ko', 'po-vo', 'po-po', 'vo-vo', 'vso-vo', 'ow-jh'];

/** Row labels of Tabel 3. */
export const SITUATION_LABELS: Record<Situation, string> = {
  'po-ko': 'Tussen po en kinderopvang',
  'po-vo': 'Tussen po en vo',
  'po-po': 'Samenwerking binnen po',
  'vo-vo': 'Samenwerking binnen vo',
  'vso-vo': 'Tussen voortgezet speciaal en regulier onderwijs',
  'ow-jh': 'Tussen onderwijs en jeugdhulp',
};

/** Block order and labels of Tabel B1. */
export const SECTOR_BLOCKS: Array<{ situation: Situation; label: string }> = [
  { situation: 'po-po', label: 'Po-scholen' },
  { situation: 'vo-vo', label: 'Vo-scholen' },
  { situation: 'po-vo', label: 'Po-vo' },
  { situation: 'po-ko', label: 'Po-kinderopvang' },
  { situation: 'ow-jh', label: 'Onderwijs-jeugdhulp' },
  { situation: 'vso-vo', label: 'Speciaal-regulier' },
];

/** Short names for narrow places (tables, filters); the same as Tabel B1's block labels. */
export const SITUATION_SHORT: Record<Situation, string> = {
  'po-ko': 'Po-kinderopvang',
  'po-vo': 'Po-vo',
  'po-po': 'Binnen po',
  'vo-vo': 'Binnen vo',
  'vso-vo': 'Speciaal-regulier',
  'ow-jh': 'Onderwijs-jeugdhulp',
};

/**
 * An SWV without a samenwerkingssituatie: a round whose questionnaire has none (an SWV's own
 * monitor), or schools of an SWV that is not assigned to the round.
 */
export const UNKNOWN_SITUATION_LABEL = 'Geen samenwerkingssituatie';

export function situationLabel(situation: Situation | null): string {
  return situation ? SITUATION_LABELS[situation] : UNKNOWN_SITUATION_LABEL;
}

/** The three branches of the IMAGE questionnaire (mate van samenwerking). */
export const BRANCHES = ['wel', 'plannen', 'geen'] as const;
