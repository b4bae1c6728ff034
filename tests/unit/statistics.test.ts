import { describe, expect, it } from 'vitest';
import { chiSquareGoodnessOfFit, chiSquarePValue, logGamma, normalQuantile, sampleSize } from '../../server/analysis/statistics';

describe('sample size', () => {
  it('gives the IMAGE report its 256: population 4,500, margin 5%, 90% confidence, 50% spread', () => {
    expect(sampleSize({ population: 4500, marginOfError: 0.05, confidence: 0.9, proportion: 0.5 }).required).toBe(256);
  });

  it('matches the textbook values for 95% confidence', () => {
    // 1.96² · 0.25 / 0.05² = 384.16 → 385 without correction; with N = 1,380: 301.
    const r = sampleSize({ population: 1380, marginOfError: 0.05, confidence: 0.95 });
    expect(r.withoutCorrection).toBe(385);
    expect(r.required).toBe(301);
    expect(r.z).toBeCloseTo(1.959964, 5);
  });

  it('never asks for more schools than there are', () => {
    expect(sampleSize({ population: 20, marginOfError: 0.01, confidence: 0.99 }).required).toBeLessThanOrEqual(20);
  });

  it('refuses impossible input with a Dutch message', () => {
    expect(() => sampleSize({ population: 0, marginOfError: 0.05, confidence: 0.95 })).toThrow(/populatie/);
    expect(() => sampleSize({ population: 100, marginOfError: 1.5, confidence: 0.95 })).toThrow(/foutmarge/);
    expect(() => sampleSize({ population: 100, marginOfError: 0.05, confidence: 1 })).toThrow(/betrouwbaarheid/);
    expect(() => sampleSize({ population: 100, marginOfError: Number.NaN, confidence: 0.9 })).toThrow();
  });
});

describe('distributions', () => {
  it('inverts the normal distribution', () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.9599640, 6);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.5758293, 6);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
  });

  it('computes ln Γ', () => {
    expect(logGamma(1)).toBeCloseTo(0, 10);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 10);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 10);
  });

  it('gives chi-square tail probabilities from statistical tables', () => {
    expect(chiSquarePValue(3.841459, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquarePValue(11.0705, 5)).toBeCloseTo(0.05, 5);
    expect(chiSquarePValue(6.634897, 1)).toBeCloseTo(0.01, 6);
    expect(chiSquarePValue(124.342, 100)).toBeCloseTo(0.05, 4);
    expect(chiSquarePValue(0, 3)).toBe(1);
  });
});

describe('chi-square goodness of fit', () => {
  it('reproduces a known result (scipy.stats.chisquare([16, 18, 16, 14, 12, 12]) = 2.0, p = 0.8491)', () => {
    const fit = chiSquareGoodnessOfFit([16, 18, 16, 14, 12, 12], [1, 1, 1, 1, 1, 1])!;
    expect(fit.statistic).toBeCloseTo(2.0, 10);
    expect(fit.df).toBe(5);
    expect(fit.pValue).toBeCloseTo(0.84914503608460956, 8);
  });

  it('uses the population shares as the expected distribution', () => {
    // 200 po and 39 vo respondents against a population of 1,100 po and 280 vo schools.
    const fit = chiSquareGoodnessOfFit([200, 39], [1100, 280])!;
    const expectedPo = (1100 / 1380) * 239;
    expect(fit.expected[0]).toBeCloseTo(expectedPo, 10);
    const statistic = (200 - expectedPo) ** 2 / expectedPo + (39 - (239 - expectedPo)) ** 2 / (239 - expectedPo);
    expect(fit.statistic).toBeCloseTo(statistic, 10);
    expect(fit.pValue).toBeCloseTo(chiSquarePValue(statistic, 1), 12);
  });

  it('flags small expected counts and has no answer without responses or groups', () => {
    expect(chiSquareGoodnessOfFit([3, 1], [50, 50])!.smallExpected).toBe(true);
    expect(chiSquareGoodnessOfFit([0, 0], [10, 10])).toBeNull();
    expect(chiSquareGoodnessOfFit([5], [10])).toBeNull();
    expect(chiSquareGoodnessOfFit([5, 0, 3], [10, 0, 10])!.df).toBe(1);
  });
});
