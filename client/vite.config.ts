import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Writes a .br and a .gz next to every script and style sheet of the build, which the server
 * sends to browsers that accept them (@fastify/static preCompressed): the respondent page is
 * about 1.5 MB of JavaScript, and schools open it on phones.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'meetronde-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const assets = path.join(outDir, 'assets');
      for (const name of readdirSync(assets)) {
        if (!/\.(js|css|svg)$/.test(name)) continue;
        const file = path.join(assets, name);
        const bytes = readFileSync(file);
        if (bytes.length < 1024) continue;
        writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
        );
      }
    },
  };
}

// The respondent HTML preloads nothing of SurveyJS: its chunks compete with the entry and the
// questionnaire request (which the server preloads from the HTML, server/client-assets.ts) for a
// phone's cores, and the first question (the consent page) needs none of it. The page imports
// SurveyJS once the first question is shown (client/respondent/RespondentApp.tsx; issue 21).

// Two entry points: the respondent page must not carry the admin app's code.
// JSX goes through esbuild's automatic runtime (no plugin needed for a production build).
export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic' },
  plugins: [precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // survey-core alone is 1.4 MB minified (the respondent page and the admin preview's lazy chunk).
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: {
        admin: fileURLToPath(new URL('admin/index.html', import.meta.url)),
        respondent: fileURLToPath(new URL('respondent/index.html', import.meta.url)),
        swv: fileURLToPath(new URL('swv/index.html', import.meta.url)),
        persons: fileURLToPath(new URL('persons/index.html', import.meta.url)),
      },
    },
  },
  server: {
    proxy: { '/api': 'http://localhost:3000', '/healthz': 'http://localhost:3000' },
  },
});
