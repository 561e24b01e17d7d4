import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryKey, queueMessages, type Message } from '../core/deliveries.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('deliveries', () => {
  it('reach each resident in the order they were queued, while many residents are served at once', async () => {
    const residents = [uniqueUser('order-a'), uniqueUser('order-b'), uniqueUser('order-c')];
    const to = new Map<string, Message['to']>();
    const cursors = new Map<string, string>();
    for (const userId of residents) {
      await h.say(userId, '你好');
      const conversation = await h.services.db.conversation.findFirstOrThrow({ where: { resident: { channel: 'webchat', externalId: userId } } });
      to.set(userId, { channel: 'webchat', externalId: userId, conversationId: conversation.id });
      cursors.set(userId, (await h.poll(userId)).cursor);
    }
    // Interleaved, as the intake queues them: one resident's messages among everyone's.
    const messages = Array.from({ length: 20 }, (_, i) =>
      residents.map((userId) => ({ to: to.get(userId)!, key: deliveryKey.event(randomUUID()), replies: [{ text: `${userId} 第${i + 1}条通知` }] })),
    ).flat();
    await queueMessages(h.services, messages);
    for (const userId of residents) {
      const seen = await eventually(async () => {
        const { messages: shown } = await h.poll(userId, cursors.get(userId));
        return shown.length >= 20 ? shown : undefined;
      });
      expect(seen.map((m) => m.text)).toEqual(Array.from({ length: 20 }, (_, i) => `${userId} 第${i + 1}条通知`));
    }
  });
});
