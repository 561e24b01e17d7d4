import { z } from 'zod';

/** What the report flow has gathered so far; every field is filled in by one step. */
export const reportDraftSchema = z.object({
  /** Given when the description is first read; filed with the report, so it is filed once. */
  draftId: z.string().uuid().optional(),
  description: z.string().optional(),
  candidates: z.array(z.object({ label: z.string(), score: z.number() })).optional(),
  /** null: the resident is not sure; the office classifies it. */
  topic: z.string().nullable().optional(),
  placeText: z.string().nullable().optional(),
  regionCode: z.string().nullable().optional(),
  /** An address typed without a recognisable county, kept in case the resident skips adding one. */
  pendingPlace: z.string().optional(),
  phone: z.string().nullable().optional(),
  urgent: z.boolean().optional(),
  /** YYYY-MM-DD, when the description names a day (昨天, 上周五, 3月5日). */
  occurredOn: z.string().optional(),
  /** Ids of photos and files stored with the report. */
  attachments: z.array(z.string()).optional(),
});
export type ReportDraft = z.infer<typeof reportDraftSchema>;
