import type { ReuseCase } from './import-types';

/**
 * DUO sometimes gives a closed location's code to a new school. Same code, but a name that is
 * not recognisably the old one, and something else that changed too (the address's postcode
 * area, the board, the kind of school, or the location was closed): that is reported as possible
 * reuse, for the admin to decide. A rename alone (a school that merges or rebrands but stays at
 * its address under its board) is an ordinary change.
 */

/** Names less alike than this (Dice coefficient on letter pairs, generic words left out) differ. */
export const REUSE_NAME_SIMILARITY = 0.5;

/** Words that say what kind of school it is, not which one. */
const GENERIC = new Set([
  'basisschool', 'school', 'obs', 'cbs', 'pcbs', 'rkbs', 'rk', 'kbs', 'ikc', 'kindcentrum', 'integraal', 'openbare', 'openbaar',
  'christelijke', 'christelijk', 'katholieke', 'katholiek', 'protestants', 'daltonschool', 'dalton', 'jenaplanschool', 'montessorischool',
  'de', 'het', 't', 'van', 'voor', 'en', 'locatie', 'sbo', 'so', 'vso', 'college', 'lyceum', 'scholengemeenschap', 'stedelijk', 'regionaal',
]);

export function nameKey(name: string): string {
  const words = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[’'`]/g, '')
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  const specific = words.filter((w) => !GENERIC.has(w));
  return (specific.length ? specific : words).join(' ');
}

function bigrams(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const compact = ` ${text} `;
  for (let i = 0; i < compact.length - 1; i++) {
    const pair = compact.slice(i, i + 2);
    out.set(pair, (out.get(pair) ?? 0) + 1);
  }
  return out;
}

/** 0 (nothing alike) … 1 (the same after normalising). */
export function nameSimilarity(a: string, b: string): number {
  const x = nameKey(a);
  const y = nameKey(b);
  if (x === y) return 1;
  if (x === '' || y === '') return 0;
  if (x.includes(y) || y.includes(x)) return Math.max(0.8, diceOf(x, y));
  return diceOf(x, y);
}

function diceOf(x: string, y: string): number {
  const a = bigrams(x);
  const b = bigrams(y);
  let common = 0;
  let total = 0;
  for (const [pair, n] of a) {
    common += Math.min(n, b.get(pair) ?? 0);
    total += n;
  }
  for (const n of b.values()) total += n;
  return total === 0 ? 0 : (2 * common) / total;
}

interface Side {
  name: string;
  postcode: string | null;
  city: string | null;
  boardNumber: string | null;
  kind: string;
}

/** Null when the file's record is plausibly the same school; else the case with its reasons (Dutch). */
export function detectReuse(line: number, locationCode: string, before: Side & { active: boolean }, after: Side): ReuseCase | null {
  const similarity = nameSimilarity(before.name, after.name);
  if (similarity >= REUSE_NAME_SIMILARITY) return null;
  const reasons = [`andere naam (${Math.round(similarity * 100)} % gelijk)`];
  const pc4 = (p: string | null) => (p ? p.slice(0, 4) : null);
  if (before.postcode && after.postcode && pc4(before.postcode) !== pc4(after.postcode)) reasons.push(`ander adres (postcode ${before.postcode} → ${after.postcode})`);
  if (before.boardNumber && after.boardNumber && before.boardNumber !== after.boardNumber) reasons.push(`ander bestuur (${before.boardNumber} → ${after.boardNumber})`);
  if (before.kind !== after.kind) reasons.push(`andere soort school (${before.kind} → ${after.kind})`);
  if (!before.active) reasons.push('de vestiging was gesloten (inactief)');
  if (reasons.length < 2) return null;
  return { line, locationCode, before, after, nameSimilarity: Math.round(similarity * 100) / 100, reasons, decision: null };
}
