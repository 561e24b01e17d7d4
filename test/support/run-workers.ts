// A separate worker process for tests that kill one mid-job.
import { loadConfig } from '../../bot/platform/config.js';
import { createLogger } from '../../bot/platform/log.js';
import { createServices } from '../../bot/platform/services.js';
import { startWorkers } from '../../workers/index.js';

const config = loadConfig();
const services = await createServices(config, createLogger(config.LOG_LEVEL));
await startWorkers({ ...services, now: () => new Date() }, services.queueConnection);
