/**
 * A table's header row from its column titles; `[title, 'num']` marks a numeric (right-aligned)
 * column. `scoped` writes scope="col" on every header cell.
 */
export function TableHead({ columns, scoped = false }: { columns: ReadonlyArray<string | readonly [string, 'num']>; scoped?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) =>
          typeof c === 'string' ? (
            <th key={i} scope={scoped ? 'col' : undefined}>{c}</th>
          ) : (
            <th key={i} scope={scoped ? 'col' : undefined} className="num">{c[0]}</th>
          ),
        )}
      </tr>
    </thead>
  );
}
