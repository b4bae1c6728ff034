import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// Two entry points: the respondent page must not carry the admin app's code.
// JSX goes through esbuild's automatic runtime (no plugin needed for a production build).
export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic' },
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
      },
    },
  },
  server: {
    proxy: { '/api': 'http://localhost:3000', '/healthz': 'http://localhost:3000' },
  },
});
