import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The platform's signature: sha1 over the parts sorted as strings and joined (token, timestamp, nonce[, Encrypt]). */
export function signature(...parts: string[]): string {
  return createHash('sha1').update([...parts].sort().join('')).digest('hex');
}

export function sameSignature(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

export class CipherError extends Error {}

const BLOCK = 32;

/**
 * Safe mode (安全模式): AES-256-CBC with the key from the EncodingAESKey and its first 16 bytes as
 * the IV, PKCS#7 padding to 32-byte blocks; the plaintext is 16 random bytes, the XML's length
 * (4 bytes, big-endian), the XML and the AppID.
 */
export class MessageCipher {
  private readonly key: Buffer;

  constructor(
    encodingAesKey: string,
    private readonly appId: string,
  ) {
    this.key = Buffer.from(`${encodingAesKey}=`, 'base64');
    if (this.key.length !== 32) throw new CipherError('the EncodingAESKey must decode to 32 bytes');
  }

  encrypt(xml: string): string {
    const body = Buffer.from(xml, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    const plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(this.appId, 'utf8')]);
    const pad = BLOCK - (plain.length % BLOCK);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.key.subarray(0, 16)).setAutoPadding(false);
    return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
  }

  /** The XML inside `encrypted`; throws CipherError when it does not decrypt or was meant for another AppID. */
  decrypt(encrypted: string): string {
    const data = Buffer.from(encrypted, 'base64');
    if (data.length === 0 || data.length % 16 !== 0) throw new CipherError('not a whole number of blocks');
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-cbc', this.key, this.key.subarray(0, 16)).setAutoPadding(false);
      plain = Buffer.concat([decipher.update(data), decipher.final()]);
    } catch {
      throw new CipherError('does not decrypt');
    }
    const pad = plain.at(-1)!;
    if (pad < 1 || pad > BLOCK || pad > plain.length) throw new CipherError('bad padding');
    plain = plain.subarray(0, plain.length - pad);
    if (plain.length < 20) throw new CipherError('too short');
    const length = plain.readUInt32BE(16);
    if (20 + length > plain.length) throw new CipherError('bad length');
    const appId = plain.subarray(20 + length).toString('utf8');
    if (appId !== this.appId) throw new CipherError('meant for another AppID');
    return plain.subarray(20, 20 + length).toString('utf8');
  }
}
