import { BRIN } from '../codes';

/** Splits a list into batches, so one statement never carries tens of thousands of parameters. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Why a line naming a school location cannot be read: rejects it and returns false, or true with a valid code. */
export function readLocationLine(
  row: { problem?: string; values: { brin?: string | null; locationCode?: string | null } },
  brin: string | null,
  code: string | null,
  reject: (reason: string) => void,
  invalidCode: (locationCode: string) => string,
): code is string {
  const v = row.values;
  if (row.problem) reject(row.problem);
  else if (!v.locationCode) reject('vestigingscode ontbreekt');
  else if (brin !== null && !BRIN.test(brin)) reject(`ongeldig BRIN-nummer '${v.brin}'`);
  else if (!code) reject(invalidCode(v.locationCode));
  else if (brin && !code.startsWith(brin)) reject(`vestigingscode ${code} hoort niet bij BRIN-nummer ${brin}`);
  else return true;
  return false;
}

/** Why a line naming a samenwerkingsverband cannot be read: rejects it and returns false, or true with a valid code. */
export function readSwvLine(problem: string | undefined, given: string | null | undefined, code: string | null, reject: (reason: string) => void, expected: string): code is string {
  if (problem) reject(problem);
  else if (!given) reject('code van het samenwerkingsverband ontbreekt');
  else if (!code) reject(`ongeldige SWV-code '${given}' (verwacht ${expected})`);
  else return true;
  return false;
}
