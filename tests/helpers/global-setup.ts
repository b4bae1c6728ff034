import { ensureClientBuild } from '../../server/tools/ensure-client-build';

/**
 * Runs once before all test files: announces loudly when the PostgreSQL half of the suite is
 * skipped, and makes sure the client build exists for the browser tests.
 */
export default async function setup() {
  if (!process.env.TEST_DATABASE_URL) {
    const line = '!'.repeat(78);
    console.warn(
      `\n${line}\n!! TEST_DATABASE_URL is not set: every PostgreSQL variant of the database tests is\n` +
        `!! SKIPPED; only PGlite runs. Set it (e.g. postgres://postgres@127.0.0.1:5432/postgres)\n` +
        `!! or run .ci/run to test against a real PostgreSQL.\n${line}\n`,
    );
  }
  await ensureClientBuild({ quiet: true });
}
