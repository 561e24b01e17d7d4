import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../../core/platform/db.js';

export type AttachmentKind = 'photo' | 'file';
export type Saved = { stored: true; id: string } | { stored: false; reason: 'too_large' | 'unsupported_type' };

// What residents may send, recognised by the bytes, not by the name or the claimed type.
const SIGNATURES: { mime: string; test: (b: Buffer) => boolean }[] = [
  { mime: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { mime: 'image/png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { mime: 'image/gif', test: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  { mime: 'image/webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { mime: 'application/pdf', test: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
];

/** The checked type of a file, from its first bytes; undefined for anything not accepted. */
export function sniffType(bytes: Buffer): string | undefined {
  return SIGNATURES.find((s) => s.test(bytes))?.mime;
}

/**
 * Photos and files of reports, kept outside the database: content-addressed under
 * DATA_DIR/attachments (the same photo sent twice is stored once), size-limited, type-checked.
 */
export class AttachmentStore {
  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    readonly maxBytes: number,
  ) {}

  /** `caseId`: evidence staff upload for a case's resolution. */
  async save(bytes: Buffer, kind: AttachmentKind, caseId?: string): Promise<Saved> {
    if (bytes.length > this.maxBytes) return { stored: false, reason: 'too_large' };
    const mimeType = sniffType(bytes);
    if (!mimeType) return { stored: false, reason: 'unsupported_type' };
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const dir = join(this.dataDir, 'attachments');
    const path = join(dir, sha256);
    if (!(await stat(path).catch(() => undefined))) {
      await mkdir(dir, { recursive: true });
      // Written under a temporary name and renamed, so a half-written file never has the final name.
      const partial = `${path}.${randomBytes(4).toString('hex')}.part`;
      await writeFile(partial, bytes);
      await rename(partial, path);
    }
    const row = await this.db.attachment.create({ data: { sha256, mimeType, size: bytes.length, kind, caseId } });
    return { stored: true, id: row.id };
  }

  pathOf(sha256: string): string {
    return join(this.dataDir, 'attachments', sha256);
  }
}
