import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console's own folder, found without Node's path helpers (this file is also type-checked
// with the console's browser settings).
const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

/** The console: static files in <repo>/dist/console that the platform serves at /console/. */
export default defineConfig({
  root,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: `${root}../../dist/console`,
    emptyOutDir: true,
    // Everything ships with the platform: no CDN, no remote font, works offline.
    assetsInlineLimit: 0,
  },
});
