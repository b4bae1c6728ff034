import { describe as suite, expect, it } from 'vitest';
import { cronbachAlpha, describe } from '../../server/analysis/statistics';
import { itemsWithAlpha } from '../../server/demo/replica';
import { figureSvg } from '../../server/exports/figures';
import { formatCell, percentage } from '../../server/exports/report-format';
import { readScales, ScaleAccumulator, scaleScore, ScaleDefinitionError } from '../../server/exports/scales';
import { getQuestionnaire } from '../../server/questionnaires';

suite('statistics against known values', () => {
  it('standard deviation: the textbook example 2, 4, 4, 4, 5, 5, 7, 9 (mean 5, population SD 2, sample SD √(32/7))', () => {
    const d = describe([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(d.mean).toBe(5);
    expect(d.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(d.sd!.toFixed(4)).toBe('2.1381');
    // The population SD of the textbook is the sample SD times √((n−1)/n).
    expect(d.sd! * Math.sqrt(7 / 8)).toBeCloseTo(2, 12);
    expect(describe([])).toEqual({ n: 0, mean: null, sd: null });
    expect(describe([4])).toEqual({ n: 1, mean: 4, sd: null });
  });

  it('alpha: two items with equal variance and correlation r give the Spearman–Brown value 2r/(1+r)', () => {
    const a = [1, 2, 3, 4, 5];
    const b = [2, 1, 4, 3, 5]; // same variance (2.5); r = 0.8
    expect(cronbachAlpha(a.map((x, i) => [x, b[i]!]))).toBeCloseTo((2 * 0.8) / 1.8, 12);
    // Identical items: perfectly consistent.
    expect(cronbachAlpha(a.map((x) => [x, x, x]))).toBeCloseTo(1, 12);
    // Undefined cases.
    expect(cronbachAlpha([[1, 2]])).toBeNull();
    expect(cronbachAlpha([[3], [4]])).toBeNull();
    expect(cronbachAlpha([[3, 3], [3, 3]])).toBeNull();
  });

  it('alpha equals Hoyt\'s ANOVA reliability (1 − MS residual / MS persons), computed independently here', () => {
    const rows = itemsWithAlpha(59, 3, 0.71, 3.6, 7);
    const n = rows.length;
    const k = rows[0]!.length;
    const grand = rows.flat().reduce((a, b) => a + b, 0) / (n * k);
    const personMeans = rows.map((r) => r.reduce((a, b) => a + b, 0) / k);
    const itemMeans = Array.from({ length: k }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / n);
    const ssPersons = k * personMeans.reduce((s, m) => s + (m - grand) ** 2, 0);
    const ssItems = n * itemMeans.reduce((s, m) => s + (m - grand) ** 2, 0);
    const ssTotal = rows.flat().reduce((s, x) => s + (x - grand) ** 2, 0);
    const msPersons = ssPersons / (n - 1);
    const msResidual = (ssTotal - ssPersons - ssItems) / ((n - 1) * (k - 1));
    const hoyt = 1 - msResidual / msPersons;
    expect(cronbachAlpha(rows)).toBeCloseTo(hoyt, 10);
    expect(hoyt.toFixed(3)).toBe('0.710');
  });
});

suite('scales declared in the questionnaire', () => {
  it('the IMAGE questionnaires declare the five werkzame-factoren scales, three items each', () => {
    for (const id of ['image-samenwerking-2022', 'image-samenwerking-2023']) {
      const scales = readScales(getQuestionnaire(id).content!);
      expect(scales.map((s) => s.name)).toEqual(['S_communicatie', 'S_visie', 'S_vertrouwen', 'S_gelijkwaardigheid', 'S_sturing']);
      for (const s of scales) expect(s.items).toHaveLength(3);
    }
  });

  it('scores a respondent as the mean of the items, reverse-coded items turned round, and nothing when an item is missing or "weet niet"', () => {
    const [scale] = readScales({
      meetronde: { scales: [{ name: 'S_x', label: 'X', min: 1, max: 5, items: ['m.a', 'm.b', 'q'], reversed: ['m.b'] }] },
    });
    expect(scaleScore(scale!, { m: { a: 4, b: 2 }, q: 5 })).toBeCloseTo((4 + 4 + 5) / 3, 12);
    expect(scaleScore(scale!, { m: { a: 4 }, q: 5 })).toBeNull();
    expect(scaleScore(scale!, { m: { a: 4, b: 9 }, q: 5 })).toBeNull();
    const acc = new ScaleAccumulator(scale!);
    acc.add({ m: { a: 1, b: 5 }, q: 1 });
    acc.add({ m: { a: 5, b: 1 }, q: 5 });
    acc.add({ m: { a: 4 } });
    const result = acc.result();
    expect(result.n).toBe(2);
    expect(result.mean).toBe(3);
    expect(result.alpha).toBeCloseTo(1, 12);
  });

  it('refuses a malformed declaration', () => {
    const bad = (scales: unknown) => () => readScales({ meetronde: { scales } });
    expect(bad('x')).toThrow(ScaleDefinitionError);
    expect(bad([{ name: '1x', label: 'X', min: 1, max: 5, items: ['a', 'b'] }])).toThrow(/SPSS-safe/);
    expect(bad([{ name: 'S', label: 'X', min: 1, max: 5, items: ['a'] }])).toThrow(/at least two/);
    expect(bad([{ name: 'S', label: 'X', min: 1, max: 5, items: ['a', 'b'], reversed: ['c'] }])).toThrow(/reversed/);
  });
});

suite('report cells as the report prints them', () => {
  it('percentages with one decimal, means with two, a decimal comma, halves rounded up', () => {
    expect(formatCell(percentage(42, 188), 'pct')).toBe('22,3');
    expect(formatCell(percentage(65, 218), 'pct')).toBe('29,8');
    expect(formatCell(268 / 59, 'mean')).toBe('4,54');
    expect(formatCell(3, 'mean')).toBe('3,00');
    expect(formatCell(0.71, 'alpha')).toBe('0,710');
    expect(formatCell(13, 'pct')).toBe('13,0');
    expect(formatCell(2.345, 'mean')).toBe('2,35');
    expect(formatCell(1380, 'count')).toBe('1.380');
    expect(formatCell('niet gevraagd', 'pct')).toBe('niet gevraagd');
    expect(formatCell(null, 'pct')).toBe('–');
    expect(percentage(1, 0)).toBeNull();
  });

  it('draws a figure as SVG with the values in words and left-out bars said so', () => {
    const svg = figureSvg({
      id: 'figuur-x',
      title: 'Schalen <test>',
      kind: 'grouped',
      unit: 'gemiddelde',
      min: 1,
      max: 5,
      categories: ['Communicatie', 'Visie'],
      measurements: [
        { name: 'Meting 2022', series: [{ name: 'Meting 2022', values: [3.25, null] }] },
        { name: 'Meting 2023', series: [{ name: 'Meting 2023', values: [3.5, 4] }] },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('Schalen &lt;test&gt;');
    expect(svg).toContain('>3,25<');
    expect(svg).toContain('>4,00<');
    expect(svg).toContain('niet getoond');
    expect(svg.match(/<rect [^>]*height="18"/g)).toHaveLength(3);
  });
});
