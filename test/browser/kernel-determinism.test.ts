// Same seed ⇒ same trace hash in Node and in the browser (DESIGN §1): the kernel workload is
// bundled with Vite, run in the system Chromium, and compared with the same workload run here.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { fileURLToPath } from 'node:url';
import { launchChromium, type LaunchedBrowser } from './chromium.ts';
import { kernelWorkload } from './fixtures/kernel-run.ts';

let browser: LaunchedBrowser;
let bundle: string;

async function bundleWorkload(): Promise<string> {
  const entry = fileURLToPath(new URL('./fixtures/kernel-run.ts', import.meta.url));
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry, formats: ['iife'], name: 'KernelRun', fileName: () => 'kernel-run.js' },
    },
  });
  const results = Array.isArray(output) ? output : [output];
  for (const result of results) {
    if ('output' in result) {
      const chunk = result.output.find((item) => item.type === 'chunk');
      if (chunk && chunk.type === 'chunk') return chunk.code;
    }
  }
  throw new Error('vite produced no bundle for the kernel workload');
}

beforeAll(async () => {
  bundle = await bundleWorkload();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('kernel determinism in the browser', () => {
  it('gives the same trace hash in Chromium as in Node for the same seed', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.setContent('<!doctype html><title>kernel</title>');
    await page.addScriptTag({ content: bundle });
    for (const seed of [1, 42, 1234]) {
      const inBrowser = await page.evaluate(
        ([s, n]) => (globalThis as any).KernelRun.kernelWorkload(s, n),
        [seed, 20_000] as const,
      );
      const inNode = kernelWorkload(seed, 20_000);
      expect(inBrowser).toEqual(inNode);
    }
    const other = kernelWorkload(43, 20_000);
    expect(other.traceHash).not.toBe(kernelWorkload(42, 20_000).traceHash);
    expect(errors).toEqual([]);
    await page.close();
  });
});
