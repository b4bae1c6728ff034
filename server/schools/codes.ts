import type { SchoolKind, SwvSector } from '../db/types';

/** DUO codes and Dutch address parts: normalise what the files write into one form each. */

/** A location (vestiging): BRIN + 2 digits; the database accepts this form only. */
export const LOCATION_CODE = /^[0-9A-Z]{4}[0-9]{2}$/;
export const BRIN = /^[0-9A-Z]{4}$/;
/** The form every BRIN had in the 2021 PO file; others are accepted with a warning. */
export const USUAL_BRIN = /^[0-9]{2}[A-Z]{2}$/;
export const SWV_CODE = /^(PO|VO)[0-9]{4}$/;

export function normaliseBrin(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}

/**
 * The 6-character location code. DUO writes it as BRIN + 2 digits, but some releases give only
 * the suffix ("0", "01") next to the BRIN column. Returns null when it cannot be made valid.
 */
export function normaliseLocationCode(raw: string, brin: string | null): string | null {
  const code = raw.replace(/\s+/g, '').toUpperCase();
  if (LOCATION_CODE.test(code)) return code;
  if (/^[0-9]{1,2}$/.test(code) && brin && BRIN.test(brin)) return brin + code.padStart(2, '0');
  return null;
}

/** `PO2707`, also from `PO-27-07`, `po 2707` or `PO.2707`; null when not an SWV code. */
export function normaliseSwvCode(raw: string): string | null {
  const code = raw.replace(/[\s.\-_]+/g, '').toUpperCase();
  return SWV_CODE.test(code) ? code : null;
}

export function swvSector(code: string): SwvSector {
  return code.startsWith('VO') ? 'vo' : 'po';
}

/** `1234 AB` from `1234AB`, `1234 ab`, `1234  AB`; null when not a Dutch postcode. */
export function normalisePostcode(raw: string): string | null {
  const compact = raw.replace(/\s+/g, '').toUpperCase();
  return /^[1-9][0-9]{3}[A-Z]{2}$/.test(compact) ? `${compact.slice(0, 4)} ${compact.slice(4)}` : null;
}

/**
 * The SWV sector a school kind belongs to: primary and special primary schools are in a po SWV,
 * secondary and special secondary schools in a vo SWV.
 */
export function sectorOfKind(kind: SchoolKind): SwvSector {
  return kind === 'vo' || kind === 'vso' ? 'vo' : 'po';
}

/**
 * The kind of a special-education location from DUO's `SOORT PRIMAIR ONDERWIJS`. A combined
 * `(V)SO` school counts as vso: its secondary department is what the vso–vo situation asks about.
 */
export function specialKind(raw: string): SchoolKind | null {
  const value = raw.replace(/\s+/g, '').toUpperCase();
  if (value === 'SBO' || value === 'SBAO') return 'sbo';
  if (value === 'SO') return 'so';
  if (value === 'VSO' || value === '(V)SO' || value === 'V(SO)' || value === 'SO/VSO' || value === 'SO+VSO') return 'vso';
  return null;
}
