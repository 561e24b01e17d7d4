import type { Lang } from '../../core/i18n/index.js';
import type { Channel, Db } from '../../core/platform/db.js';

/**
 * Finds or creates the resident behind a channel identity and opens a conversation.
 * Runs once per dialogue session, not per message: the ids then live in the session.
 */
export async function openConversation(
  db: Db,
  channel: Channel,
  externalId: string,
  lang: Lang | undefined,
): Promise<{ residentId: string; conversationId: string; lang: Lang }> {
  const resident = await db.resident.upsert({
    where: { channel_externalId: { channel, externalId } },
    create: { channel, externalId, ...(lang ? { language: lang } : {}) },
    update: {},
  });
  const conversation = await db.conversation.create({ data: { residentId: resident.id } });
  return { residentId: resident.id, conversationId: conversation.id, lang: resident.language };
}
