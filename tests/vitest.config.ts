import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './helpers/sequencer';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  esbuild: { jsx: 'automatic' },
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    pool: 'forks',
    // Each file gets its own databases; two cores on CI machines.
    maxWorkers: 3,
    minWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 90_000,
    reporters: ['default'],
    // The slowest files first, so none of them is left running alone at the end (see the file).
    sequence: { sequencer: SlowFirstSequencer },
  },
});
