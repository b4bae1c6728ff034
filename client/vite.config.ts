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

/**
 * The respondent page loads SurveyJS lazily (QuestionnairePage), so without help the browser
 * learns of its chunks only after the entry has been fetched, parsed and run. This adds
 * `<link rel="modulepreload">` (and a stylesheet preload) for the questionnaire's chunks to the
 * respondent HTML, so they download in parallel with the entry from the first byte (issue 21).
 * Preloading fetches and compiles; nothing runs before the entry imports it. Low priority: the
 * first question (the consent page, plain HTML from the entry) needs none of it, and on a busy
 * phone the 1.6 MB must not hold up the entry's scripts or the questionnaire request.
 */
function preloadQuestionnaire(): Plugin {
  return {
    name: 'meetronde-preload-questionnaire',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.bundle || !ctx.filename.endsWith(path.join('respondent', 'index.html'))) return;
        const chunks = Object.values(ctx.bundle).filter((c) => c.type === 'chunk');
        const page = chunks.find((c) => c.facadeModuleId?.endsWith('/respondent/QuestionnairePage.tsx'));
        if (!page) return;
        const files = new Set<string>();
        const css = new Set<string>();
        const visit = (fileName: string) => {
          if (files.has(fileName)) return;
          const chunk = chunks.find((c) => c.fileName === fileName);
          if (!chunk) return;
          files.add(fileName);
          for (const style of (chunk as { viteMetadata?: { importedCss?: Set<string> } }).viteMetadata?.importedCss ?? []) css.add(style);
          for (const imported of chunk.imports) visit(imported);
        };
        visit(page.fileName);
        // The entry's own chunks are already linked by Vite.
        const entry = chunks.find((c) => c.isEntry && c.facadeModuleId?.endsWith('/respondent/index.html'));
        const skip = new Set<string>(entry ? [entry.fileName, ...entry.imports] : []);
        return [
          ...[...css].filter((href) => !html.includes(href)).map((href) => ({ tag: 'link', attrs: { rel: 'preload', as: 'style', fetchpriority: 'low', href: `/${href}` }, injectTo: 'head' as const })),
          ...[...files].filter((f) => !skip.has(f)).map((href) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: '', fetchpriority: 'low', href: `/${href}` }, injectTo: 'head' as const })),
        ];
      },
    },
  };
}

// Two entry points: the respondent page must not carry the admin app's code.
// JSX goes through esbuild's automatic runtime (no plugin needed for a production build).
export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic' },
  plugins: [precompress(), preloadQuestionnaire()],
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
