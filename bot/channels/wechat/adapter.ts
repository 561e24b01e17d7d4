import type { Wechaty } from 'wechaty';
import type { AppRedis } from '../../../core/platform/redis.js';
import type { Logger } from '../../../core/platform/log.js';
import type { AttachmentStore } from '../../conversations/attachments.js';
import type { Bot } from '../../dialogue/bot.js';
import type { ChannelAdapter } from '../adapter.js';
import { deliverOnce } from '../outbound.js';
import { createWechatChannel, loggedIn, sayTo, wechatMessages, type WechatSettings } from './channel.js';

export type WechatAdapter = ChannelAdapter & { readonly wechat: Wechaty };

/** A WeChat personal account through a Wechaty puppet; only the logged-in process can send. */
export function wechatChannel(
  settings: WechatSettings,
  deps: { bot: Bot; log: Logger; attachments: AttachmentStore; redis: AppRedis; redisPrefix: string; stopping: AbortSignal },
): WechatAdapter {
  const wechat = createWechatChannel(settings, deps);
  return {
    name: 'wechat',
    wechat,
    // One delivery at a time, each waiting for the login, keeps what was queued while WeChat was
    // offline in order until the account is back; shutting down ends the wait.
    deliver: deliverOnce(deps.redis, deps.redisPrefix, 'wechat', async (contactId, replies, _key, parts) => {
      await loggedIn(wechat, deps.stopping);
      // A resolution's evidence goes as the photos and PDFs themselves, before the answer.
      await sayTo(wechat, contactId, await wechatMessages(replies, (sha256) => deps.attachments.pathOf(sha256)), parts);
    }),
    start: () => wechat.start(),
    stop: () => wechat.stop(),
  };
}
