import { createHash } from 'node:crypto';
import type { AppRedis } from '../../core/platform/redis.js';

// One attempt counted; the window starts with the first attempt and starts again, in full, at
// the first refusal. Returns the count and the milliseconds left.
const TAKE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or n == tonumber(ARGV[1]) + 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {n, redis.call('PTTL', KEYS[1])}`;

/**
 * Console sign-in attempts per username and client address. An attempt is counted before its
 * password is checked, so parallel guesses cannot overtake the count; the count knows nothing of
 * which names are accounts, so a real and an unknown name are refused alike. Keyed by address
 * too, so a stranger locks a name only for their own address, never the staff member's.
 */
export class LoginAttempts {
  constructor(
    private readonly redis: AppRedis,
    private readonly prefix: string,
    private readonly limit: { attempts: number; lockMs: number },
  ) {}

  private key(username: string, address: string): string {
    const name = createHash('sha256').update(username).digest('hex');
    return `${this.prefix}:console:login-attempts:${name}:${address}`;
  }

  /** Takes one attempt: null when it may go ahead; when refused, the seconds to wait, and whether this attempt began the lock. */
  async take(username: string, address: string): Promise<{ retryAfter: number; justLocked: boolean } | null> {
    const [count, ms] = (await this.redis.eval(TAKE, {
      keys: [this.key(username, address)],
      arguments: [String(this.limit.attempts), String(Math.round(this.limit.lockMs))],
    })) as [number, number];
    if (count <= this.limit.attempts) return null;
    return { retryAfter: Math.max(1, Math.ceil(ms / 1000)), justLocked: count === this.limit.attempts + 1 };
  }

  /** A successful sign-in starts the count again. */
  async clear(username: string, address: string): Promise<void> {
    await this.redis.del(this.key(username, address));
  }
}
