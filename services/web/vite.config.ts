import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

/** The app is served by the API under /app (services/api/src/web.routes.ts); the client from source. */
export default defineConfig({
  base: '/app/',
  plugins: [react()],
  resolve: {
    alias: { '@scheduler/client': fileURLToPath(new URL('../../packages/client/src/index.ts', import.meta.url)) },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/api': 'http://localhost:8000' } },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.tsx', 'src/**/*.test.ts'],
    // The machine is shared: one worker, one file at a time.
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    setupFiles: ['src/test-setup.ts'],
  },
});
