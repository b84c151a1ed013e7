/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The editor is a static app: `vite build` writes web/dist, which the local cloud and
// CloudFront serve. During `npm run dev`, /api and the WebSocket are proxied to a running
// `polysynergy dev` (PS_DEV_URL, default http://localhost:8090).
const devTarget = process.env.PS_DEV_URL ?? 'http://localhost:8090';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    sourcemap: true,
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: {
      '/api': { target: devTarget, changeOrigin: true },
      '/ws': { target: devTarget.replace(/^http/, 'ws'), ws: true },
      '/oidc': { target: devTarget, changeOrigin: true },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
