// A separate worker process for tests that kill one mid-job.
import { loadConfig } from '../../core/platform/config.js';
import { createLogger } from '../../core/platform/log.js';
import { createServices } from '../../core/platform/services.js';
import { startWorkers } from '../../workers/index.js';

const config = loadConfig();
const services = await createServices(config, createLogger(config.LOG_LEVEL));
await startWorkers({ ...services, now: () => new Date() }, services.queueConnection);
