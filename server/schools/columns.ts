/**
 * Columns are found by name, never by position: DUO renames and reorders them between releases
 * (`BRIN NUMMER` → `INSTELLINGSCODE`, `VESTIGINGSNUMMER` → `VESTIGINGSCODE`, the typo
 * `VESTIGINSNUMMER`, R's `BRIN.NUMMER`). Names are compared on their letters and digits only,
 * upper-cased and without accents, so `E_MAIL`, `E-mail` and `e mail` are one name.
 */

export interface FieldSpec<K extends string = string> {
  key: K;
  /** Normalised names (see normaliseHeader), first match wins. */
  aliases: string[];
  required?: boolean;
  /** Dutch, for messages: how the admin would call this column. */
  label: string;
}

export function normaliseHeader(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
}

export interface ColumnMapping<K extends string> {
  index: Partial<Record<K, number>>;
  /** Field key → the header as written in the file. */
  used: Array<{ field: K; column: string }>;
  missing: Array<FieldSpec<K>>;
  ignored: string[];
  duplicates: string[];
}

/**
 * Maps fields to header positions. Specs are resolved in order and a column serves one field
 * only, so an ambiguous name (`SAMENWERKINGSVERBAND` is the code in one generation and the
 * name in another) goes to the first field that claims it.
 */
export function mapColumns<K extends string>(header: string[], specs: Array<FieldSpec<K>>): ColumnMapping<K> {
  const positions = new Map<string, number>();
  const duplicates: string[] = [];
  header.forEach((name, i) => {
    const key = normaliseHeader(name);
    if (key === '') return;
    if (positions.has(key)) duplicates.push(name.trim());
    else positions.set(key, i);
  });
  const taken = new Set<number>();
  const index: Partial<Record<K, number>> = {};
  const used: Array<{ field: K; column: string }> = [];
  const missing: Array<FieldSpec<K>> = [];
  for (const spec of specs) {
    const position = spec.aliases.map((a) => positions.get(a)).find((p) => p !== undefined && !taken.has(p));
    if (position === undefined) {
      if (spec.required) missing.push(spec);
      continue;
    }
    taken.add(position);
    index[spec.key] = position;
    used.push({ field: spec.key, column: header[position]!.trim() });
  }
  const ignored = header.filter((name, i) => !taken.has(i) && name.trim() !== '').map((n) => n.trim());
  return { index, used, missing, ignored, duplicates };
}

/** Whether the header has any of these normalised names. */
export function hasColumn(header: string[], ...aliases: string[]): boolean {
  const names = new Set(header.map(normaliseHeader));
  return aliases.some((a) => names.has(a));
}
