import type { Nlu } from '../../nlp-models/index.js';
import type { Queues } from '../../core/queues.js';
import type { Catalog } from '../catalog.js';
import type { ChatLinks } from '../console/chat-links.js';
import type { Faq } from '../../core/faq/faq.js';
import type { HandoffService } from '../../core/handoff/service.js';
import type { Clock } from '../../core/platform/clock.js';
import type { Config } from '../../core/platform/config.js';
import type { Db } from '../../core/platform/db.js';
import type { Sql } from '../../core/platform/sql.js';
import type { Logger } from '../../core/platform/log.js';
import type { Metrics } from '../../core/platform/metrics.js';

/** What dialogue code may use. Channels and HTTP are deliberately absent. */
export interface BotDeps {
  config: Config;
  log: Logger;
  db: Db;
  /** Plain pg, for the statements a turn makes (Prisma's cost per statement shows there). */
  sql: Sql;
  queues: Pick<Queues, 'intake' | 'route' | 'notify'>;
  catalog: Catalog;
  nlu: Nlu;
  handoff: HandoffService;
  chatLinks: ChatLinks;
  faq: Faq;
  now: Clock;
  metrics: Metrics;
}
