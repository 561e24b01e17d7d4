import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds: from a cached turn (a few ms) to a turn waiting on a slow database. */
const TURN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Seconds: jobs take milliseconds; a notification should reach the resident within a second or two. */
const JOB_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LAG_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];

/** A job as BullMQ reports it when it ends: its own start and end stamps (milliseconds). */
type FinishedJob = { processedOn?: number; finishedOn?: number } | undefined;

/**
 * What this process measures for Prometheus (README, Metrics), in a registry of its own so that
 * several Services in one process (tests) do not collide. Values that live in PostgreSQL or Redis
 * (cases by status, queue depths) are read when Prometheus scrapes, by the collectors `onScrape` adds.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly scrapes: (() => Promise<void>)[] = [];

  /** One dialogue turn, from taking the resident's turn lock to the replies being delivered. */
  readonly turnSeconds = new Histogram({ name: 'tingmin_turn_seconds', help: 'Dialogue turn latency', labelNames: ['channel'], buckets: TURN_BUCKETS, registers: [this.registry] });
  readonly jobSeconds = new Histogram({ name: 'tingmin_job_seconds', help: 'Time a queue job ran in a worker of this process', labelNames: ['queue', 'outcome'], buckets: JOB_BUCKETS, registers: [this.registry] });
  readonly notificationLagSeconds = new Histogram({
    name: 'tingmin_notification_lag_seconds',
    help: "From the resident's confirm to their channel accepting the message the filing produced (case number, routing, screening)",
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });
  readonly deliveriesGivenUp = new Counter({
    name: 'tingmin_deliveries_given_up_total',
    help: 'Messages to residents no longer sent: no channel accepted them within DELIVERY_GIVE_UP_HOURS (reason late), or the channel said the resident refuses messages (reason refused)',
    labelNames: ['channel', 'reason'],
    registers: [this.registry],
  });
  readonly scrapeErrors = new Counter({ name: 'tingmin_metrics_scrape_errors_total', help: 'Scrapes where a value could not be read (PostgreSQL or Redis unreachable)', registers: [this.registry] });

  /** Times one dialogue turn. */
  async timeTurn<T>(channel: string, turn: () => Promise<T>): Promise<T> {
    const end = this.turnSeconds.startTimer({ channel });
    try {
      return await turn();
    } finally {
      end();
    }
  }

  /** A worker's 'completed' or 'failed' event: how long the job ran (BullMQ's own stamps). */
  jobEnded(queue: string, job: FinishedJob, outcome: 'completed' | 'failed'): void {
    if (job?.processedOn && job.finishedOn) this.jobSeconds.observe({ queue, outcome }, (job.finishedOn - job.processedOn) / 1000);
  }

  /** A gauge whose values are read at each scrape by `read`, which sets them (with labels). */
  gaugeOnScrape<L extends string>(name: string, help: string, labelNames: L[], read: (gauge: Gauge<L>) => Promise<void>): void {
    const gauge = new Gauge({ name, help, labelNames, registers: [this.registry] });
    this.scrapes.push(async () => {
      gauge.reset();
      await read(gauge);
    });
  }

  /** The text Prometheus reads. A value that cannot be read is left out and counted, never a failed scrape. */
  async render(): Promise<{ contentType: string; body: string }> {
    const results = await Promise.allSettled(this.scrapes.map((scrape) => scrape()));
    this.scrapeErrors.inc(results.filter((r) => r.status === 'rejected').length);
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
