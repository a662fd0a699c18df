/**
 * The console's build: React + Ant Design + ECharts into console/dist (git-ignored), served by the hub at `/`.
 * No asset is fetched from elsewhere at run time (the hub's content-security policy allows only its origin).
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    // Inline nothing as data: URLs beyond tiny icons; the CSP allows data: images and fonts only.
    assetsInlineLimit: 4096,
  },
  server: { proxy: { '/graphql': 'http://127.0.0.1:4000' } },
});
