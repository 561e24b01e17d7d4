import { randomInt } from 'node:crypto';
import { AttachmentStore } from '../../bot/conversations/attachments.js';
import type { ReplyFile } from '../../core/messages.js';
import type { Clock } from '../../core/platform/clock.js';
import type { Case, CaseStatus, Db, Prisma } from '../../core/platform/db.js';
import { uniqueUser } from './harness.js';

let serial = 0;

/**
 * A case written straight into the database, in any status, for tests of what happens to it
 * later, created now by the harness's clock. The resident is a web chat user (`externalId`), so
 * notifications reach their page.
 */
export async function makeCase(
  { db, now }: { db: Db; now: Clock },
  opts: {
    status?: CaseStatus;
    departmentCode?: string;
    user?: string;
    description?: string;
    regionCode?: string | null;
    topic?: string | null;
    set?: Partial<Prisma.CaseUncheckedCreateInput>;
  } = {},
): Promise<Case & { user: string }> {
  const user = opts.user ?? uniqueUser();
  const resident = await db.resident.upsert({
    where: { channel_externalId: { channel: 'webchat', externalId: user } },
    create: { channel: 'webchat', externalId: user },
    update: {},
  });
  const conversation = await db.conversation.create({ data: { residentId: resident.id } });
  const description = opts.description ?? '城东区八一路的路灯坏了一个月，晚上很黑';
  const regionCode = opts.regionCode === undefined ? '630102' : opts.regionCode;
  const topic = opts.topic === undefined ? '城乡建设' : opts.topic;
  const submission = await db.submission.create({
    data: { residentId: resident.id, conversationId: conversation.id, channel: 'webchat', language: 'zh', description, regionCode, topic, createdAt: now() },
  });
  const department = opts.departmentCode ? await db.department.findUniqueOrThrow({ where: { code: opts.departmentCode } }) : null;
  const row = await db.case.create({
    data: {
      // A day no intake run hands out numbers for, so fixtures never collide with real cases.
      number: `QH200101${randomInt(1000, 9999)}${String(++serial).padStart(4, '0')}`,
      submissionId: submission.id,
      residentId: resident.id,
      status: opts.status ?? 'received',
      description,
      regionCode,
      topic,
      departmentId: department?.id ?? null,
      createdAt: now(),
      updatedAt: now(),
      ...opts.set,
    },
  });
  return { ...row, user };
}

/** A photo stored as a new case's evidence, as a notification's reply carries it. */
export async function evidencePhoto(services: { db: Db; now: Clock; config: { DATA_DIR: string; ATTACHMENT_MAX_BYTES: number } }, bytes: Buffer): Promise<ReplyFile> {
  const c = await makeCase(services, { status: 'in_progress', departmentCode: 'DCS' });
  const saved = await new AttachmentStore(services.db, services.config.DATA_DIR, services.config.ATTACHMENT_MAX_BYTES).save(bytes, 'photo', c.id);
  if (!saved.stored) throw new Error('the photo was not stored');
  const { id, sha256, mimeType } = await services.db.attachment.findUniqueOrThrow({ where: { id: saved.id } });
  return { id, sha256, mimeType };
}
