import { z } from 'zod';

/** The one inbound shape every channel adapter produces. */
export const inboundSchema = z.object({
  channel: z.enum(['webchat', 'wechat', 'telegram', 'wechat_mp']),
  /** The resident's id on that channel. */
  userId: z.string().min(1).max(128),
  /** The channel's id for this delivery; a repeated id is a duplicate delivery. */
  messageId: z.string().min(1).max(128).optional(),
  text: z.string().optional(),
  /** The payload of a button the resident pressed. */
  payload: z.string().max(256).optional(),
  /**
   * Something other than text. A photo or file the channel stored has its attachment id; one it
   * refused says why; other kinds (voice, stickers…) only say what they were.
   */
  attachment: z
    .object({
      kind: z.enum(['photo', 'voice', 'video', 'sticker', 'file', 'location', 'money', 'other']),
      id: z.string().optional(),
      refused: z.enum(['too_large', 'unsupported_type']).optional(),
    })
    .optional(),
  /** A shared location; `name` is the place's name or address when the channel has one. */
  location: z.object({ latitude: z.number(), longitude: z.number(), name: z.string().optional() }).optional(),
  /** The channel shows choices as numbered lines (WeChat): a typed "1" picks the first. */
  numberedChoices: z.boolean().optional(),
  /** The language the resident chose through the channel (e.g. the web chat API's `lang`); switches the dialogue to it. */
  lang: z.enum(['zh', 'en']).optional(),
});
export type Inbound = z.infer<typeof inboundSchema>;

export const buttonSchema = z.object({ label: z.string(), payload: z.string() });
export type Button = z.infer<typeof buttonSchema>;

/** A stored photo or PDF sent with a reply (a resolution's evidence); the bytes are in DATA_DIR/attachments/<sha256>. */
export const fileSchema = z.object({ id: z.string().uuid(), sha256: z.string().regex(/^[0-9a-f]{64}$/), mimeType: z.string() });
export type ReplyFile = z.infer<typeof fileSchema>;

/** The one reply shape: text plus optional choices and files, rendered by each channel its own way (files before the text). */
export const replySchema = z.object({ text: z.string(), buttons: z.array(buttonSchema).optional(), files: z.array(fileSchema).optional() });
export type Reply = z.infer<typeof replySchema>;
