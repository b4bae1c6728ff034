import { BRANCH_LABELS, BRANCHES } from '../../../contract/vocabulary';
import { formatCount } from '../../shared/tracking/format';
import type { DashboardSnapshot, SectorSubtotal } from '../../../contract/api/tracking';
import { TableWrap } from '../../shared/TableWrap';

/** Tabel 3 of the report: completed responses per situation and mate van samenwerking. */
export function SituationTable({ snapshot }: { snapshot: DashboardSnapshot }) {
  const { rows, total } = snapshot.situations;
  const showOther = total.other > 0;
  return (
    <section className="mr-card" aria-labelledby="tabel3-title">
      <h2 id="tabel3-title">Respons per samenwerkingssituatie en mate van samenwerking</h2>
      <p className="mr-muted mr-small">Ingevulde vragenlijsten, zoals Tabel 3 van het rapport (N = {formatCount(total.total)}).</p>
      <TableWrap label="Tabel: respons per situatie">
        <table className="mr-table" data-testid="tabel3">
          <thead>
            <tr>
              <th scope="col">Samenwerkingssituatie</th>
              {BRANCHES.map((b) => (
                <th key={b} scope="col" className="num">{BRANCH_LABELS[b]}</th>
              ))}
              {showOther && <th scope="col" className="num">Onbekend</th>}
              <th scope="col" className="num">Totaal</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.situation ?? 'none'}>
                <th scope="row">{r.label}</th>
                <td className="num">{formatCount(r.wel)}</td>
                <td className="num">{formatCount(r.plannen)}</td>
                <td className="num">{formatCount(r.geen)}</td>
                {showOther && <td className="num">{formatCount(r.other)}</td>}
                <td className="num">{formatCount(r.total)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Totaal</th>
              <td className="num">{formatCount(total.wel)}</td>
              <td className="num">{formatCount(total.plannen)}</td>
              <td className="num">{formatCount(total.geen)}</td>
              {showOther && <td className="num">{formatCount(total.other)}</td>}
              <td className="num" data-testid="tabel3-total">{formatCount(total.total)}</td>
            </tr>
          </tfoot>
        </table>
      </TableWrap>
    </section>
  );
}

const prevCell = (n: number | null) => (n === null ? '-' : formatCount(n));

/** Tabel B1 of the report: per situation, a row per SWV (letter) and sector, this round next to the previous. */
export function SectorTable({ snapshot }: { snapshot: DashboardSnapshot }) {
  const { blocks, total, bySector } = snapshot.sectors;
  const previous = snapshot.round.previousRound;
  const subtotalRow = (label: string, s: SectorSubtotal, key: string) => (
    <tr className="mr-subtotal" key={key}>
      <th scope="row" colSpan={3}>{label}</th>
      {previous && <td className="num">{prevCell(s.previousCompleted)}</td>}
      <td className="num">{formatCount(s.completed)}</td>
    </tr>
  );
  return (
    <section className="mr-card" aria-labelledby="tabelb1-title">
      <h2 id="tabelb1-title">Respons per samenwerkingsverband en type school</h2>
      <p className="mr-muted mr-small">Zoals Tabel B1 van het rapport. "-" betekent: deed niet mee aan de vorige meting.</p>
      <TableWrap label="Tabel: respons per sector">
        <table className="mr-table" data-testid="tabelb1">
          <thead>
            <tr>
              <th scope="col">Samenwerkingssituatie</th>
              <th scope="col">Samenwerkingsverband</th>
              <th scope="col">Type</th>
              {previous && <th scope="col" className="num">Respons {previous.name}</th>}
              <th scope="col" className="num">Respons {snapshot.round.name}</th>
            </tr>
          </thead>
          {blocks.map((block) => (
            <tbody key={block.label}>
              {block.rows.map((r, i) => (
                <tr key={r.swvId}>
                  <th scope="row" className="mr-block-label">{i === 0 ? block.label : <span className="mr-sr-only">{block.label}</span>}</th>
                  <td title={`${r.code} ${r.name}`}>{r.regionLetter ?? r.code}</td>
                  <td>{r.sector.toUpperCase()}</td>
                  {previous && <td className="num">{prevCell(r.previousCompleted)}</td>}
                  <td className="num">{formatCount(r.completed)}</td>
                </tr>
              ))}
              {subtotalRow('Subtotaal', block.subtotal, 'sub')}
            </tbody>
          ))}
          <tfoot>{subtotalRow('Totaal', total, 'total')}</tfoot>
        </table>
      </TableWrap>
      <p className="mr-muted mr-small">
        Noot: in {snapshot.round.name} hebben {formatCount(bySector.po.completed)} po-scholen en {formatCount(bySector.vo.completed)} vo-scholen de
        vragenlijst ingevuld
        {previous && bySector.po.previousCompleted !== null && bySector.vo.previousCompleted !== null
          ? ` (${previous.name}: ${formatCount(bySector.po.previousCompleted)} po en ${formatCount(bySector.vo.previousCompleted)} vo)`
          : ''}
        .
      </p>
    </section>
  );
}
