import type { ReactNode } from 'react';

/** A table that scrolls sideways on a phone instead of squeezing its columns: a labelled region a keyboard can reach. */
export function TableWrap({ children, label }: { children: ReactNode; label: string }) {
  return (
    <div className="mr-table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
