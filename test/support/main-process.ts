import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Harness } from './harness.js';

/** `bot/main.ts <mode>` as its own process, on the harness's database and Redis prefix. */
export function spawnMain(h: Harness, mode: 'all' | 'bot' | 'workers', opts: { port: number; env?: Record<string, string>; stdio: StdioOptions }): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../bot/main.ts', import.meta.url)), mode], {
    env: {
      ...process.env,
      DATABASE_URL: h.services.config.DATABASE_URL,
      REDIS_PREFIX: h.services.config.REDIS_PREFIX,
      PORT: String(opts.port),
      HOST: '127.0.0.1',
      ...opts.env,
    },
    stdio: opts.stdio,
  });
}
