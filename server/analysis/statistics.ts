/**
 * The statistics behind "how many do we need" and "is the response representative":
 * a sample size with the finite population correction, and Pearson's chi-square
 * goodness-of-fit test with its p-value. Plain functions, no dependencies.
 */

export interface SampleSizeInput {
  /** Number of schools in the population (N). */
  population: number;
  /** Margin of error as a fraction (0.05 for 5%). */
  marginOfError: number;
  /** Confidence level as a fraction (0.90, 0.95, 0.99, …). */
  confidence: number;
  /** Expected proportion (spread) as a fraction; 0.5 is the most cautious. */
  proportion?: number;
}

export interface SampleSizeResult {
  /** Respondents needed (rounded up). */
  required: number;
  /** Needed for an infinite population, before the correction. */
  withoutCorrection: number;
  z: number;
}

/** Inverse of the standard normal distribution function (Acklam's algorithm, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError('p must be between 0 and 1');
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  return x;
}

export function sampleSize(input: SampleSizeInput): SampleSizeResult {
  const { population, marginOfError, confidence } = input;
  const proportion = input.proportion ?? 0.5;
  if (!Number.isFinite(population) || population < 1) throw new RangeError('De populatie moet minstens 1 zijn.');
  if (!(marginOfError > 0 && marginOfError < 1)) throw new RangeError('De foutmarge moet tussen 0% en 100% liggen.');
  if (!(confidence > 0 && confidence < 1)) throw new RangeError('Het betrouwbaarheidsniveau moet tussen 0% en 100% liggen.');
  if (!(proportion > 0 && proportion < 1)) throw new RangeError('De verwachte spreiding moet tussen 0% en 100% liggen.');
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const n0 = (z * z * proportion * (1 - proportion)) / (marginOfError * marginOfError);
  const corrected = n0 / (1 + (n0 - 1) / population);
  // Guard against 255.0000000001 becoming 256 through floating-point noise.
  const required = Math.min(population, Math.ceil(corrected - 1e-9));
  return { required, withoutCorrection: Math.ceil(n0 - 1e-9), z };
}

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9). */
export function logGamma(x: number): number {
  const g = 7;
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let sum = coefficients[0]!;
  for (let i = 1; i < g + 2; i++) sum += coefficients[i]! / (y + i);
  const t = y + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a). */
export function gammaQ(a: number, x: number): number {
  if (x < 0 || a <= 0) throw new RangeError('invalid arguments');
  if (x === 0) return 1;
  const lnPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    // Series for P(a, x), then Q = 1 - P.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnPrefix));
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(lnPrefix) * h);
}

/** P(X ≥ statistic) for X chi-square distributed with `df` degrees of freedom. */
export function chiSquarePValue(statistic: number, df: number): number {
  if (df < 1) throw new RangeError('df must be at least 1');
  if (statistic <= 0) return 1;
  return gammaQ(df / 2, statistic / 2);
}

export interface GoodnessOfFit {
  statistic: number;
  df: number;
  pValue: number;
  /** Expected counts under the population's shares. */
  expected: number[];
  /** True when an expected count is below 5, where the chi-square approximation is rough. */
  smallExpected: boolean;
}

/**
 * Pearson's chi-square goodness-of-fit: do the observed counts (completed responses per group)
 * follow the population's distribution (invited schools per group)? Groups with an expected
 * share of zero are left out.
 */
export function chiSquareGoodnessOfFit(observed: readonly number[], populationCounts: readonly number[]): GoodnessOfFit | null {
  if (observed.length !== populationCounts.length) throw new RangeError('observed and population differ in length');
  const totalObserved = observed.reduce((a, b) => a + b, 0);
  const totalPopulation = populationCounts.reduce((a, b) => a + b, 0);
  const groups = observed.map((o, i) => ({ o, p: populationCounts[i]! })).filter((g) => g.p > 0);
  if (totalObserved === 0 || totalPopulation === 0 || groups.length < 2) return null;
  const expected = groups.map((g) => (g.p / totalPopulation) * totalObserved);
  const statistic = groups.reduce((sum, g, i) => sum + (g.o - expected[i]!) ** 2 / expected[i]!, 0);
  const df = groups.length - 1;
  return { statistic, df, pValue: chiSquarePValue(statistic, df), expected, smallExpected: expected.some((e) => e < 5) };
}

/** Mean, sample standard deviation (n − 1) and n of a list of numbers; mean and sd null when empty (sd null below 2). */
export function describe(values: readonly number[]): { n: number; mean: number | null; sd: number | null } {
  const n = values.length;
  if (n === 0) return { n, mean: null, sd: null };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, sd: null };
  // Two-pass sum of squared deviations: stable for values far from zero.
  const ss = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { n, mean, sd: Math.sqrt(ss / (n - 1)) };
}

/**
 * Cronbach's alpha of a set of items, from complete cases (rows: respondents, columns: items):
 * α = k/(k−1) · (1 − Σ var(item) / var(sum)). Null with fewer than two items, fewer than two
 * respondents, or no variance in the sum score (alpha is undefined then).
 */
export function cronbachAlpha(rows: readonly (readonly number[])[]): number | null {
  const k = rows[0]?.length ?? 0;
  if (k < 2 || rows.length < 2) return null;
  const variance = (values: number[]) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  };
  let itemVariances = 0;
  for (let j = 0; j < k; j++) itemVariances += variance(rows.map((r) => r[j]!));
  const total = variance(rows.map((r) => r.reduce((a, b) => a + b, 0)));
  if (total === 0) return null;
  return (k / (k - 1)) * (1 - itemVariances / total);
}
