import { defineConfig } from 'vite';

/** The management dashboard: a static Preact app the API serves at /dashboard (built by `npm run build`). */
export default defineConfig({
  root: __dirname,
  base: '/dashboard/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  logLevel: 'warn',
});
