import { Worker } from 'bullmq';
import type { Redis as IORedis } from 'ioredis';
import { bullPrefix, outboundQueueName, outboundSchema } from '../../../workers/queues.js';
import type { MessageLog } from '../../conversations/message-log.js';
import type { Logger } from '../../platform/log.js';
import type { Mailbox } from './mailbox.js';

/** Delivers queued notifications (case number, status changes) into residents' web chat mailboxes. */
export function startWebchatOutbound(deps: {
  connection: IORedis;
  redisPrefix: string;
  mailbox: Mailbox;
  messageLog: MessageLog;
  log: Logger;
}): Worker {
  const worker = new Worker(
    outboundQueueName('webchat'),
    async (job) => {
      const { key, conversationId, recipient, replies } = outboundSchema.parse(job.data);
      // Logged first: a crash between the two steps repeats the (idempotent) log write, never the message.
      await deps.messageLog.record(
        replies.map((r, i) => ({ conversationId, direction: 'outbound', externalId: `${key}#${i}`, text: r.text, buttons: r.buttons })),
      );
      await deps.mailbox.append(recipient, replies, key);
    },
    { connection: deps.connection, prefix: bullPrefix(deps.redisPrefix), concurrency: 16 },
  );
  worker.on('failed', (job, err) => deps.log.warn({ jobId: job?.id, err: err.message }, 'web chat delivery failed'));
  return worker;
}
