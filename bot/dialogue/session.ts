import { z } from 'zod';
import type { AppRedis } from '../platform/redis.js';
import { buttonSchema } from './messages.js';

/** What the bot remembers about one resident between turns. Short-lived: Redis with a TTL. */
export const sessionSchema = z.object({
  residentId: z.string(),
  conversationId: z.string(),
  lang: z.enum(['zh', 'en']),
  /** The running flow, if any: which step, the answers so far, and the steps passed (for "back"). */
  flow: z
    .object({
      name: z.string(),
      step: z.string(),
      data: z.record(z.string(), z.unknown()),
      history: z.array(z.string()),
      /** After editing one field from the summary, go back to this step. */
      returnTo: z.string().optional(),
    })
    .optional(),
  /** Messages in a row the bot could not understand (the second goes to staff). */
  misses: z.number().int().default(0),
  /** The buttons last shown, so that typing a button's label works like pressing it. */
  buttons: z.array(buttonSchema).default([]),
});
export type Session = z.infer<typeof sessionSchema>;

export class SessionStore {
  constructor(
    private readonly redis: AppRedis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private key(channel: string, userId: string): string {
    return `${this.prefix}:session:${channel}:${userId}`;
  }

  async load(channel: string, userId: string): Promise<Session | undefined> {
    const raw = await this.redis.get(this.key(channel, userId));
    if (!raw) return undefined;
    const parsed = sessionSchema.safeParse(JSON.parse(raw));
    // A session written by an older version is dropped rather than crashing the turn.
    return parsed.success ? parsed.data : undefined;
  }

  async save(channel: string, userId: string, session: Session): Promise<void> {
    await this.redis.set(this.key(channel, userId), JSON.stringify(session), { EX: this.ttlSeconds });
  }
}
