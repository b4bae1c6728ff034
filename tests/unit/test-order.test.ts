import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SLOW_FILES } from '../helpers/sequencer';
import { projectRoot } from '../helpers/process';

describe('the order test files run in (tests/helpers/sequencer.ts)', () => {
  it('lists only test files that exist, so a renamed slow file cannot silently lose its early start', () => {
    const missing = Object.keys(SLOW_FILES).filter((file) => !existsSync(projectRoot + file));
    expect(missing).toEqual([]);
    expect(Object.keys(SLOW_FILES).length).toBeGreaterThan(5);
  });
});
