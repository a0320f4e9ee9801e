import { defineConfig } from 'vite';

export default defineConfig({ base: './', logLevel: 'error' });
