import { describe, expect, it } from 'vitest';
import { analyseCounts, analyseDimension, describeCategories, mergeSmallCategories, rankLaggingGroups, type RepresentativenessCounts } from '../../server/analysis/representativeness';
import type { CategoryCount } from '../../contract/api/analysis';
import { allocateProportionally, assertSampleSizeParams, breakdownTargets, calculateSampleSize } from '../../server/analysis/target';
import type { SchoolKind } from '../../server/db/types';

/** A group of a dimension, as the query counts it. */
const cat = (label: string, invited: number, completed: number): CategoryCount => ({
  key: `test:${label}`,
  label,
  invited,
  completed,
  filter: { provinces: [label] },
});

/** Counts for a round of SWVs, each a list of sector cells (invited, completed). */
function roundCounts(
  swvs: Array<{ id: number; letter: string; situation: 'po-po' | 'vo-vo'; cells: Array<[SchoolKind, number, number]> }>,
): RepresentativenessCounts {
  const sum = <K>(rows: Array<{ k: K; invited: number; completed: number }>) => {
    const by = new Map<K, { invited: number; completed: number }>();
    for (const r of rows) {
      const acc = by.get(r.k) ?? { invited: 0, completed: 0 };
      acc.invited += r.invited;
      acc.completed += r.completed;
      by.set(r.k, acc);
    }
    return [...by].map(([k, v]) => ({ k, ...v }));
  };
  const cells = swvs.flatMap((s) => s.cells.map(([sector, invited, completed]) => ({ swvId: s.id, situation: s.situation, sector, invited, completed })));
  const total = cells.reduce((a, c) => ({ invited: a.invited + c.invited, completed: a.completed + c.completed }), { invited: 0, completed: 0 });
  return {
    sector: sum(cells.map((c) => ({ k: c.sector, invited: c.invited, completed: c.completed }))).map((r) => ({ value: r.k, invited: r.invited, completed: r.completed })),
    province: [{ value: null, ...total }],
    denomination: [{ value: null, ...total }],
    swv: sum(cells.map((c) => ({ k: c.swvId, invited: c.invited, completed: c.completed }))).map((r) => ({ swvId: r.k, invited: r.invited, completed: r.completed })),
    situation: sum(cells.map((c) => ({ k: c.situation, invited: c.invited, completed: c.completed }))).map((r) => ({ value: r.k, invited: r.invited, completed: r.completed })),
    swvSector: cells.map((c) => ({ swvId: c.swvId, sector: c.sector, invited: c.invited, completed: c.completed })),
    swvs: swvs.map((s) => ({ swvId: s.id, code: `XX${s.id}`, name: `Samenwerkingsverband ${s.letter}`, regionLetter: s.letter, situation: s.situation })),
  };
}

describe('representativeness: shares and the chi-square test', () => {
  it('computes shares, expected completions and a chi-square that matches the hand calculation', () => {
    // 250 invited, 50 completed. Expected: 100/250·50 = 20, 20, 10.
    // χ² = (10−20)²/20 + (30−20)²/20 + (10−10)²/10 = 10, df 2; p = e^(−10/2) (R: chisq.test(c(10,30,10), p = c(.4,.4,.2)) → p = 0.006738).
    const result = analyseDimension('province', [cat('Utrecht', 100, 10), cat('Gelderland', 100, 30), cat('Flevoland', 50, 10)]);
    expect(result.invited).toBe(250);
    expect(result.completed).toBe(50);
    expect(result.categories.map((c) => c.expected)).toEqual([20, 20, 10]);
    expect(result.categories.map((c) => c.invitedShare)).toEqual([0.4, 0.4, 0.2]);
    expect(result.categories.map((c) => c.completedShare)).toEqual([0.2, 0.6, 0.2]);
    expect(result.test!.statistic).toBeCloseTo(10, 10);
    expect(result.test!.df).toBe(2);
    expect(result.test!.pValue).toBeCloseTo(Math.exp(-5), 10);
    expect(result.test!.pValue).toBeCloseTo(0.006738, 6);
    expect(result.test!.merged).toEqual([]);
    expect(result.summary).toContain('anders verdeeld');
    expect(result.summary).toContain('χ² = 10,0, df = 2, p = 0,007');
    expect(result.summary).toContain('Utrecht (10 van 100 ingevuld, 20,0 verwacht)');
  });

  it('says in plain Dutch when the spread fits the invited schools', () => {
    const result = analyseDimension('sector', [cat('A', 100, 21), cat('B', 100, 19)]);
    expect(result.test!.pValue).toBeGreaterThan(0.05);
    expect(result.summary).toMatch(/^De respons is naar sector ongeveer zo verdeeld als de uitgenodigde scholen \(χ² = 0,1, df = 1, p = 0,[0-9]{3}\)/);
  });

  it('merges groups expecting fewer than 5 completions into one before testing, and says which', () => {
    // 1,000 invited, 100 completed (rate 0.1). Expected: C 2, D 2.5, E 3 → pooled 7.5 (observed 0+1+6 = 7).
    const categories = [cat('A', 425, 33), cat('B', 500, 60), cat('C', 20, 0), cat('D', 25, 1), cat('E', 30, 6)];
    const result = analyseDimension('province', categories);
    const expected = (33 - 42.5) ** 2 / 42.5 + (60 - 50) ** 2 / 50 + (7 - 7.5) ** 2 / 7.5;
    expect(result.test!.statistic).toBeCloseTo(expected, 10);
    expect(result.test!.statistic).toBeCloseTo(4.156863, 6);
    expect(result.test!.df).toBe(2);
    expect(result.test!.pValue).toBeCloseTo(Math.exp(-expected / 2), 10);
    expect(result.test!.merged).toEqual(['C', 'D', 'E']);
    expect(result.test!.groupsTested).toBe(3);
    expect(result.mergeNote).toBe('Voor de toets zijn groepen met minder dan 5 verwachte ingevulde vragenlijsten samengevoegd: C, D, E.');
    // The table keeps every group as it is.
    expect(result.categories.map((c) => c.label)).toEqual(['A', 'B', 'C', 'D', 'E']);
  });

  it('lets the next smallest group join a single small one', () => {
    // Rate 0.1: C expects 2, E 8 → C and E are tested together (10), A and B alone.
    const { categories } = describeCategories([cat('A', 400, 40), cat('B', 500, 50), cat('C', 20, 1), cat('E', 80, 9)]);
    const { groups, merged } = mergeSmallCategories(categories);
    expect(merged).toEqual(['C', 'E']);
    expect(groups.map((g) => g.expected)).toEqual([40, 50, 10]);
    expect(groups.map((g) => g.observed)).toEqual([40, 50, 10]);
  });

  it('gives no test, with the reason, when too little is left or nothing is completed', () => {
    const oneGroup = analyseDimension('denomination', [cat('Openbaar', 50, 5)]);
    expect(oneGroup.test).toBeNull();
    expect(oneGroup.summary).toContain('één groep');
    const tiny = analyseDimension('province', [cat('A', 10, 1), cat('B', 10, 2)]);
    expect(tiny.test).toBeNull();
    expect(tiny.summary).toContain('Te weinig ingevulde vragenlijsten');
    const none = analyseDimension('province', [cat('A', 10, 0), cat('B', 10, 0)]);
    expect(none.test).toBeNull();
    expect(none.summary).toContain('nog geen ingevulde vragenlijsten');
    const empty = analyseDimension('province', []);
    expect(empty.summary).toBe('Er zijn nog geen scholen uitgenodigd.');
  });
});

describe('representativeness: lagging groups', () => {
  // SWV G: po 50 (20 done), vo 40 (3 done); SWV H: po 60 (25), vo 30 (15); SWV K: po 5 (0).
  const counts = roundCounts([
    { id: 1, letter: 'G', situation: 'vo-vo', cells: [['po', 50, 20], ['vo', 40, 3]] },
    { id: 2, letter: 'H', situation: 'po-po', cells: [['po', 60, 25], ['vo', 30, 15]] },
    { id: 3, letter: 'K', situation: 'po-po', cells: [['po', 5, 0]] },
  ]);
  const rate = 63 / 185;

  it('ranks groups by their shortfall against proportional response and names them in Dutch', () => {
    const lagging = rankLaggingGroups(counts);
    expect(lagging.map((g) => g.name)).toEqual(['vo-scholen in SWV G: 3 van 40', 'scholen in SWV G: 23 van 90', 'vo-scholen: 18 van 70']);
    expect(lagging[0]!.expected).toBeCloseTo(40 * rate, 10);
    expect(lagging[0]!.shortfall).toBeCloseTo(40 * rate - 3, 10);
    expect(lagging[0]!.filter).toEqual({ swvIds: [1], sectors: ['vo'] });
    expect(lagging[1]!.filter).toEqual({ swvIds: [1] });
    expect(lagging[2]!.filter).toEqual({ sectors: ['vo'] });
    // Situation vo-vo holds exactly SWV G's schools: listed once, as the SWV.
    expect(lagging.some((g) => g.key === 'situation:vo-vo')).toBe(false);
    for (let i = 1; i < lagging.length; i++) expect(lagging[i - 1]!.shortfall).toBeGreaterThanOrEqual(lagging[i]!.shortfall);
  });

  it('leaves out groups below the minimum size', () => {
    // SWV K (5 schools, none completed) lags most in rate but is too small to name at size 10.
    expect(rankLaggingGroups(counts).some((g) => g.key === 'swv:3')).toBe(false);
    const small = rankLaggingGroups(counts, 5);
    expect(small.find((g) => g.key === 'swv:3')?.name).toBe('scholen in SWV K: 0 van 5');
  });

  it('lists the only sector of an SWV once, as the SWV', () => {
    const lagging = rankLaggingGroups(counts, 1, 50);
    expect(lagging.some((g) => g.key === 'swv-sector:3:po')).toBe(false);
    expect(lagging.some((g) => g.key === 'swv:3')).toBe(true);
  });

  it('lists groups of different dimensions that hold the same schools once, under the SWV', () => {
    const withProvince: RepresentativenessCounts = {
      ...counts,
      // Province Gelderland is exactly SWV G; the query's fingerprints say so.
      province: [
        { value: 'Gelderland', invited: 90, completed: 23, fingerprint: 'same-as-G' },
        { value: 'Utrecht', invited: 95, completed: 40, fingerprint: 'same-as-H-and-K' },
      ],
      swv: counts.swv.map((r) => ({ ...r, fingerprint: r.swvId === 1 ? 'same-as-G' : `swv-${r.swvId}` })),
    };
    const names = rankLaggingGroups(withProvince).map((g) => g.label);
    expect(names).toContain('scholen in SWV G');
    expect(names).not.toContain('scholen in Gelderland');
    // Without fingerprints (or with different ones) both are listed.
    const apart = rankLaggingGroups({ ...withProvince, province: withProvince.province.map((r) => ({ ...r, fingerprint: undefined })) });
    expect(apart.map((g) => g.label)).toEqual(expect.arrayContaining(['scholen in SWV G', 'scholen in Gelderland']));
  });

  it('names nobody before anything is completed', () => {
    const none = roundCounts([{ id: 1, letter: 'G', situation: 'vo-vo', cells: [['po', 50, 0], ['vo', 40, 0]] }]);
    expect(rankLaggingGroups(none)).toEqual([]);
  });

  it('reports every dimension, school size as not available', () => {
    const result = analyseCounts(7, counts);
    expect(result.dimensions.map((d) => d.key)).toEqual(['sector', 'province', 'denomination', 'size', 'swv', 'situation']);
    const size = result.dimensions.find((d) => d.key === 'size')!;
    expect(size.available).toBe(false);
    expect(size.summary).toContain('geen leerlingaantallen');
    expect(result.invited).toBe(185);
    expect(result.completed).toBe(63);
    const swv = result.dimensions.find((d) => d.key === 'swv')!;
    expect(swv.categories.map((c) => c.label)).toEqual(['SWV G – Samenwerkingsverband G', 'SWV H – Samenwerkingsverband H', 'SWV K – Samenwerkingsverband K']);
    // K expects 5·63/185 = 1.7 < 5: merged with the next smallest (G, 30.6).
    expect(swv.test!.merged).toEqual(['SWV K – Samenwerkingsverband K', 'SWV G – Samenwerkingsverband G']);
  });
});

describe('target from a sample-size calculation', () => {
  it('gives the report its 256 and checks each input with a Dutch message', () => {
    expect(calculateSampleSize({ population: 4500, margin: 0.05, confidence: 0.9, spread: 0.5 }).required).toBe(256);
    const bad = (p: Partial<{ population: unknown; margin: unknown; confidence: unknown; spread: unknown }>) => () =>
      assertSampleSizeParams({ population: 4500, margin: 0.05, confidence: 0.9, spread: 0.5, ...p });
    expect(bad({ margin: 0 })).toThrow('De foutmarge moet groter dan 0% zijn en hoogstens 50%.');
    expect(bad({ margin: 0.51 })).toThrow(/foutmarge/);
    expect(bad({ margin: 0.5 })).not.toThrow();
    expect(bad({ confidence: 1 })).toThrow(/betrouwbaarheidsniveau/);
    expect(bad({ confidence: 0 })).toThrow(/betrouwbaarheidsniveau/);
    expect(bad({ spread: 1 })).toThrow(/spreiding/);
    expect(bad({ population: 0 })).toThrow(/populatie/);
    expect(bad({ population: 12.5 })).toThrow(/populatie/);
    expect(bad({ population: 10_000_001 })).toThrow(/populatie/);
    expect(bad({ population: 10_000_000 })).not.toThrow();
    expect(bad({ margin: Number.NaN })).toThrow(/foutmarge/);
  });

  it('divides a target in proportion to the invited schools, the parts adding up to the whole', () => {
    expect(allocateProportionally(10, [{ key: 'a', size: 1 }, { key: 'b', size: 1 }, { key: 'c', size: 1 }])).toEqual([4, 3, 3]);
    expect(allocateProportionally(256, [{ key: 'a', size: 900 }, { key: 'b', size: 480 }])).toEqual([167, 89]);
    expect(allocateProportionally(5, [{ key: 'a', size: 0 }, { key: 'b', size: 7 }])).toEqual([0, 5]);
    // Generated: every split of random sizes adds up and stays within one of the exact share.
    for (let trial = 0; trial < 200; trial++) {
      const sizes = Array.from({ length: 1 + (trial % 9) }, (_, i) => ((trial * 7919 + i * 104729) % 300) + 1);
      const population = sizes.reduce((a, b) => a + b, 0);
      const total = Math.min(population, (trial * 31) % 400);
      const parts = allocateProportionally(total, sizes.map((size, i) => ({ key: String(i), size })));
      expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
      parts.forEach((p, i) => {
        expect(Math.abs(p - (total * sizes[i]!) / population)).toBeLessThan(1);
        expect(p).toBeLessThanOrEqual(sizes[i]!);
      });
    }
  });

  it('breaks a target down per situation', () => {
    const groups = breakdownTargets(100, 'situation', {
      total: 400,
      swvs: [
        { swvId: 1, code: 'PO0001', name: 'A', regionLetter: 'A', situation: 'po-po', invited: 100 },
        { swvId: 2, code: 'PO0002', name: 'B', regionLetter: 'B', situation: 'po-po', invited: 100 },
        { swvId: 3, code: 'VO0003', name: 'C', regionLetter: 'C', situation: 'vo-vo', invited: 200 },
      ],
    });
    expect(groups.map((g) => [g.key, g.invited, g.target])).toEqual([
      ['situation:po-po', 200, 50],
      ['situation:vo-vo', 200, 50],
    ]);
  });
});
