import { ensureDatabase, migrate, pendingMigrations } from '../prisma/setup.js';
import { seedIfEmpty } from '../prisma/seed.js';
import { startWorkers, type Workers } from '../workers/index.js';
import { buildServer, buildWorkerServer } from './http/server.js';
import { ConfigError, loadConfig } from '../core/platform/config.js';
import { createLogger } from '../core/platform/log.js';
import { createServices } from '../core/platform/services.js';
import { createBotRuntime } from './runtime.js';

/**
 * `node dist/bot/main.js [all|bot|workers]`: runs the HTTP server with the channels (bot), the
 * queue workers (workers), or both in one process (all). Only mode all creates and migrates the
 * database (as does `npm run db:migrate`): with many processes, migrating is one deployment step,
 * and the others check that it was done.
 */
async function main(mode: string): Promise<void> {
  if (!['all', 'bot', 'workers'].includes(mode)) throw new ConfigError(`unknown mode "${mode}": use all, bot or workers`);
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  if (mode === 'all') {
    await ensureDatabase(config.DATABASE_URL);
    await migrate(config.DATABASE_URL);
  } else {
    const pending = await pendingMigrations(config.DATABASE_URL).catch((err: Error) => {
      throw new ConfigError(`cannot read the database schema (${err.message}): run "npm run db:migrate" first`);
    });
    if (pending.length) {
      throw new ConfigError(`the database schema is not current (${pending.length} migrations pending, e.g. ${pending[0]}): run "npm run db:migrate" first`);
    }
  }
  const services = await createServices(config, log);
  if (await seedIfEmpty(services.db)) log.info('loaded the default regions, topics, departments and routing rules');

  const stops: (() => Promise<unknown>)[] = [];
  if (mode !== 'bot') {
    const workers: Workers = await startWorkers(services, services.queueConnection);
    stops.push(() => workers.close());
    if (mode === 'workers' && config.METRICS_TOKEN) {
      const app = await buildWorkerServer(services);
      await app.listen({ host: config.HOST, port: config.PORT });
      stops.unshift(() => app.close());
    }
  }
  if (mode !== 'workers') {
    const runtime = await createBotRuntime(services);
    const app = await buildServer(services, runtime);
    await app.listen({ host: config.HOST, port: config.PORT });
    log.info({ url: `http://localhost:${config.PORT}`, channels: runtime.channels.map((c) => c.name.replace('_', '-')) }, 'bot listening');
    // Stop taking requests first, then let the running turns and deliveries finish.
    stops.unshift(() => app.close(), () => runtime.close());
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    for (const stop of stops) await stop();
    await services.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main(process.argv[2] ?? 'all').catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
