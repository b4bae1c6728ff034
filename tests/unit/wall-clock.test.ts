import { describe, expect, it } from 'vitest';
import { amsterdamWallMs, formatAmsterdam, wallClockMs } from '../../server/time';
import { spssDateTime } from '../../server/exports/sav-writer';

// The exports' Dutch wall clock (server/time.ts: offset per UTC hour, kept) must say exactly what
// Intl says; the reference is Intl written otherwise ("2026-03-05 14:45:10" in Swedish).
const intl = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Amsterdam', dateStyle: 'short', timeStyle: 'medium', hourCycle: 'h23' });
const HOUR = 3_600_000;

describe('Dutch wall-clock time of exports', () => {
  it('equals Intl at every hour of 2025–2027 and around each DST change, to the second', () => {
    const from = Date.UTC(2025, 0, 1);
    const to = Date.UTC(2028, 0, 1);
    let checked = 0;
    const wrong: string[] = [];
    for (let hour = from; hour < to; hour += HOUR) {
      // The hour's start, a moment inside it and its last second (a change falls on a whole UTC hour).
      for (const ms of [hour, hour + 1_234_567, hour + HOUR - 1]) {
        const date = new Date(ms);
        if (formatAmsterdam(date) !== intl.format(date)) wrong.push(`${date.toISOString()}: ${formatAmsterdam(date)} ≠ ${intl.format(date)}`);
        checked++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(3 * 26_280);
    // The changes themselves: 2026-03-29 01:00 UTC (02:00 → 03:00) and 2026-10-25 01:00 UTC (03:00 → 02:00).
    expect(formatAmsterdam(new Date('2026-03-29T00:59:59.999Z'))).toBe('2026-03-29 01:59:59');
    expect(formatAmsterdam(new Date('2026-03-29T01:00:00Z'))).toBe('2026-03-29 03:00:00');
    expect(formatAmsterdam(new Date('2026-10-25T00:59:59Z'))).toBe('2026-10-25 02:59:59');
    expect(formatAmsterdam(new Date('2026-10-25T01:00:00Z'))).toBe('2026-10-25 02:00:00');
  });

  it('equals Intl for random instants from 1970 to 2100 and before 1970 (Intl is used there)', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const wrong: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const date = new Date(Math.floor(random() * Date.UTC(2100, 0, 1)));
      if (formatAmsterdam(date) !== intl.format(date)) wrong.push(date.toISOString());
    }
    expect(wrong).toEqual([]);
    for (const iso of ['1937-07-01T12:00:00Z', '1940-05-16T00:30:00Z', '1969-12-31T23:59:59.500Z', '1900-01-01T00:00:00Z']) {
      expect(formatAmsterdam(new Date(iso)), iso).toBe(intl.format(new Date(iso)));
    }
  });

  it('gives SPSS the same seconds as Intl did', () => {
    // contract/time.ts's wallClockMs asks Intl each time (the client's and the slow path).
    for (let ms = Date.UTC(2026, 2, 28); ms < Date.UTC(2026, 2, 30); ms += 997_001) {
      expect(amsterdamWallMs(new Date(ms))).toBe(wallClockMs(new Date(ms)));
    }
    // 2026-10-25 01:30 UTC is 02:30 CET, after the clocks went back (2026-10-25T02:30:00 as wall time).
    expect(spssDateTime(new Date('2026-10-25T01:30:00Z'))).toBe(Date.UTC(2026, 9, 25, 2, 30) / 1000 + 12219379200);
    expect(Number.isNaN(wallClockMs(new Date(NaN)))).toBe(true);
    expect(Number.isNaN(amsterdamWallMs(new Date(NaN)))).toBe(true);
  });
});
