import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The API the dev server forwards to (`npm start` at the root listens on 3000). */
const apiTarget = process.env.HERALD_API_URL ?? 'http://localhost:3000';

const proxied = ['/api', '/health', '/metrics', '/docs', '/asyncapi.json'];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: apiTarget, changeOrigin: true }])),
  },
});
