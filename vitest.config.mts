import { resolve } from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const alias = {
  '@app/wechat-open': resolve(import.meta.dirname, 'libs/wechat-open/src'),
  // The package name (the example consumer imports it so) maps to the same sources.
  '@wechat-open/nestjs': resolve(import.meta.dirname, 'libs/wechat-open/src'),
  '@app/sandbox': resolve(import.meta.dirname, 'apps/sandbox/src'),
};

// SWC (not esbuild) compiles the tests so that Nest's decorator metadata is emitted.
const plugins = [swc.vite({ module: { type: 'es6' } })];

// Set by `npm run test:reliability` (short | full); unset in `npm test`.
const reliabilityScale = process.env.RELIABILITY_SCALE;

export default defineConfig({
  test: {
    projects: [
      {
        plugins,
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts'],
          environment: 'node',
        },
      },
      {
        plugins,
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        plugins,
        resolve: { alias },
        test: {
          name: 'reliability',
          // `npm run test:reliability` sets RELIABILITY_SCALE (full by default) and runs every
          // scenario; `npm test` (and so CI) runs only the token-lifetime one, in its short form.
          include: reliabilityScale
            ? ['test/reliability/**/*.reliability.ts']
            : ['test/reliability/token-lifetimes.reliability.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          env: { RELIABILITY_SCALE: reliabilityScale ?? 'short' },
          testTimeout: 900_000,
          hookTimeout: 900_000,
          pool: 'forks',
          // One scenario at a time: each one's counts are its own.
          fileParallelism: false,
        },
      },
    ],
  },
});
