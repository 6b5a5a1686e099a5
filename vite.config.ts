// Vite builds the trace viewer (root `viz/`, output `dist/viz`); Vitest runs the test suites.
// Two Vitest projects: `node` (typecheck-free unit, property, scenario and CLI tests, run by
// `npm test`) and `browser` (Playwright driving the system Chromium, run by `npm run test:browser`).
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: `${root}viz`,
  base: './',
  build: {
    outDir: `${root}dist/viz`,
    emptyOutDir: true,
  },
  server: { fs: { allow: [root] } },
  test: {
    root,
    projects: [
      {
        test: {
          name: 'node',
          root,
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**', 'node_modules/**'],
          setupFiles: ['test/setup/fast-check.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          root,
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
