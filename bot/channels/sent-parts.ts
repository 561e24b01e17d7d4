import type { Channel } from '../../core/platform/db.js';
import type { AppRedis } from '../../core/platform/redis.js';

/** As long as a delivery may be tried again (the reconciler gives up after DELIVERY_GIVE_UP_HOURS). */
export const REMEMBER_SECONDS = 30 * 24 * 3600;

/** Where the parts of a delivery sent so far are recorded. */
export function sentPartsKey(redisPrefix: string, channel: Channel, deliveryKey: string): string {
  return `${redisPrefix}:${channel}:sent-parts:${deliveryKey}`;
}

/**
 * The parts of one delivery (each one call to a chat API: a photo, a text) that an earlier try
 * sent, by name, in Redis. A try after a failure half-way skips them, so the resident does not get
 * the photo again because the text after it failed. Each part is recorded after its call answered:
 * a crash in between may repeat that one part, never lose it.
 */
export class SentParts {
  constructor(
    private readonly done: Set<string>,
    /** Where they are recorded; nowhere for a reply in the resident's own turn, which is answered once. */
    private readonly store?: { redis: AppRedis; key: string },
  ) {}

  /** The parts of `deliveryKey` sent so far on `channel`. */
  static async of(redis: AppRedis, redisPrefix: string, channel: Channel, deliveryKey: string): Promise<SentParts> {
    const key = sentPartsKey(redisPrefix, channel, deliveryKey);
    return new SentParts(new Set(await redis.sMembers(key)), { redis, key });
  }

  has(name: string): boolean {
    return this.done.has(name);
  }

  /** Sends the part unless a try before did, and records it (with `completes`, the name of what it finishes). */
  async once(name: string, send: () => Promise<unknown>, completes?: string): Promise<void> {
    if (this.done.has(name)) return;
    await send();
    const names = completes ? [name, completes] : [name];
    for (const n of names) this.done.add(n);
    if (this.store) await this.store.redis.multi().sAdd(this.store.key, names).expire(this.store.key, REMEMBER_SECONDS).exec();
  }

  /** The whole delivery went: nothing left to skip. */
  async forget(): Promise<void> {
    if (this.store && this.done.size) await this.store.redis.del(this.store.key);
  }
}

/** For replies in the resident's own turn: every part is sent, nothing recorded. */
export const everyPart = (): SentParts => new SentParts(new Set());
