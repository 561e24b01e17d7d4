import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';
import { pgConfig } from './prisma/pg-config.js';

// The CLI runs on the WebAssembly engine with the pg adapter: no binary download (README, Development).
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PrismaPg(pgConfig(process.env.DATABASE_URL ?? '')),
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
