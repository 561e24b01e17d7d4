import type { Clock } from '../../../core/platform/clock.js';
import type { ChannelAdapter } from '../adapter.js';
import { deliverOnce } from '../outbound.js';
import { WechatMpChannel, type WechatMpDeps, type WechatMpSettings } from './channel.js';
import { wechatMpRoutes } from './routes.js';

export type WechatMpAdapter = ChannelAdapter & { readonly mp: WechatMpChannel };

/** The WeChat Official Account: signed messages at /wechat/mp; any process can reach a follower. */
export function wechatMpChannel(settings: WechatMpSettings, deps: WechatMpDeps & { now: Clock }): WechatMpAdapter {
  const mp = new WechatMpChannel(settings, deps);
  return {
    name: 'wechat_mp',
    mp,
    // The access token and the 48-hour window live in Redis, shared by every process.
    deliver: deliverOnce(deps.redis, deps.redisPrefix, 'wechat_mp', (openId, replies, key, parts) => mp.notifier.deliver(openId, replies, key, parts)),
    routes: async (app) => void (await app.register(wechatMpRoutes, { channel: mp, now: deps.now })),
  };
}
