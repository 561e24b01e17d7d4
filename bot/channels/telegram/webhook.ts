import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Bot as TelegramBot } from 'grammy';
import type { Update } from 'grammy/types';
import { z } from 'zod';
import type { Logger } from '../../../core/platform/log.js';
import { isOutage } from '../../../core/platform/outage.js';

// Only the envelope is checked here; grammY reads the rest.
const update = z.looseObject({ update_id: z.number().int().nonnegative() });

function sameSecret(given: unknown, expected: string): boolean {
  const a = Buffer.from(typeof given === 'string' ? given : '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** POST /telegram/webhook: Telegram delivers updates here when a webhook URL is configured. */
export async function telegramWebhook(app: FastifyInstance, opts: { telegram: TelegramBot; secret: string | undefined; log: Logger }): Promise<void> {
  app.post('/telegram/webhook', async (req, reply) => {
    // Without a configured secret the webhook is closed: anyone could post fake updates.
    if (!opts.secret || !sameSecret(req.headers['x-telegram-bot-api-secret-token'], opts.secret)) {
      return reply.code(401).send({ error: 'wrong secret token' });
    }
    if (!update.safeParse(req.body).success) return reply.code(400).send({ error: 'not a Telegram update' });
    try {
      await opts.telegram.handleUpdate(req.body as Update);
    } catch (err) {
      // grammY wraps the handler's error: during an outage the server answers 503, so Telegram sends it again later.
      const cause = (err as { error?: unknown }).error ?? err;
      if (isOutage(cause)) throw cause;
      // Any other failure is answered: Telegram would send the same failing update again and again.
      opts.log.error({ err, updateId: (req.body as Update).update_id }, 'telegram update failed');
      return { ok: false };
    }
    return { ok: true };
  });
}
