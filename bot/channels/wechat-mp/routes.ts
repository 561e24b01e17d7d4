import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../../../core/platform/clock.js';
import { NO_REPLY, type WechatMpChannel } from './channel.js';
import { CipherError, MessageCipher, sameSignature, signature } from './crypto.js';
import { buildFlatXml, MAX_XML_CHARS, parseFlatXml, XmlError } from './xml.js';

/** A request signed longer ago (or further ahead) than this is refused as a possible replay. */
const MAX_SKEW_SECONDS = 300;

const signed = z.object({
  signature: z.string().max(64),
  timestamp: z.string().regex(/^\d{1,12}$/),
  nonce: z.string().min(1).max(64),
  echostr: z.string().max(512).optional(),
  encrypt_type: z.string().max(16).optional(),
  msg_signature: z.string().max(64).optional(),
});
type Signed = z.infer<typeof signed>;

/**
 * GET /wechat/mp (the platform checking the server URL) and POST /wechat/mp (messages and events),
 * both signed with the server token; in safe mode the body is encrypted and signed again.
 */
export async function wechatMpRoutes(app: FastifyInstance, opts: { channel: WechatMpChannel; now: Clock }): Promise<void> {
  const { channel, now } = opts;
  const { token, aesKey, appId } = channel.settings;
  const cipher = aesKey ? new MessageCipher(aesKey, appId) : undefined;

  app.addContentTypeParser(['text/xml', 'application/xml', 'text/plain'], { parseAs: 'string', bodyLimit: MAX_XML_CHARS }, (_req, body, done) =>
    done(null, body),
  );

  /** The query's signature and age checked; a reason when refused. */
  function refusal(query: unknown): { reason: string } | { query: Signed } {
    const parsed = signed.safeParse(query);
    if (!parsed.success) return { reason: 'missing or malformed signature' };
    const { signature: given, timestamp, nonce } = parsed.data;
    if (!sameSignature(given, signature(token, timestamp, nonce))) return { reason: 'bad signature' };
    if (Math.abs(now().getTime() / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) return { reason: 'stale timestamp' };
    return { query: parsed.data };
  }
  const refuse = (reply: FastifyReply, reason: string) => reply.code(401).type('text/plain; charset=utf-8').send(reason);

  app.get('/wechat/mp', async (req, reply) => {
    const checked = refusal(req.query);
    if ('reason' in checked) return refuse(reply, checked.reason);
    return reply.type('text/plain; charset=utf-8').send(checked.query.echostr ?? '');
  });

  app.post('/wechat/mp', async (req, reply) => {
    const checked = refusal(req.query);
    if ('reason' in checked) return refuse(reply, checked.reason);
    const { timestamp, nonce, encrypt_type: encryptType, msg_signature: msgSignature } = checked.query;
    if (typeof req.body !== 'string') return reply.code(400).type('text/plain; charset=utf-8').send('expected an XML body');
    let fields: Map<string, string>;
    try {
      const outer = parseFlatXml(req.body);
      if (cipher) {
        // Safe mode: plain messages are refused, so a leaked token alone cannot forge one.
        const encrypted = outer.get('Encrypt');
        if (encryptType !== 'aes' || !encrypted) return reply.code(400).type('text/plain; charset=utf-8').send('safe mode: encrypted messages only');
        if (!sameSignature(msgSignature, signature(token, timestamp, nonce, encrypted))) return refuse(reply, 'bad msg_signature');
        fields = parseFlatXml(cipher.decrypt(encrypted));
      } else {
        if (encryptType === 'aes') return reply.code(400).type('text/plain; charset=utf-8').send('safe mode is not configured (WECHAT_MP_AES_KEY)');
        fields = outer;
      }
    } catch (err) {
      if (err instanceof XmlError || err instanceof CipherError) return reply.code(400).type('text/plain; charset=utf-8').send(err.message);
      throw err;
    }
    let answer: string;
    try {
      answer = await channel.receive(fields);
    } catch (err) {
      if (err instanceof XmlError) return reply.code(400).type('text/plain; charset=utf-8').send(err.message);
      throw err;
    }
    if (answer === NO_REPLY) return reply.type('text/plain; charset=utf-8').send(NO_REPLY);
    if (!cipher) return reply.type('application/xml; charset=utf-8').send(answer);
    const encrypted = cipher.encrypt(answer);
    const replyNonce = randomBytes(8).toString('hex');
    const replyTime = String(Math.floor(now().getTime() / 1000));
    return reply.type('application/xml; charset=utf-8').send(
      buildFlatXml([
        ['Encrypt', encrypted],
        ['MsgSignature', signature(token, replyTime, replyNonce, encrypted)],
        ['TimeStamp', Number(replyTime)],
        ['Nonce', replyNonce],
      ]),
    );
  });
}
