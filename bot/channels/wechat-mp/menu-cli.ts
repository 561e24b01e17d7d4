import { loadConfig } from '../../../core/platform/config.js';
import { createLogger } from '../../../core/platform/log.js';
import { connectAppRedis } from '../../../core/platform/redis.js';
import { MpApi } from './api.js';
import { createMenu, menuDefinition } from './menu.js';

/** npm run wechat-mp:menu — creates the Official Account's custom menu (反映问题 / 查询进度 / 转人工). */
const config = loadConfig();
if (!config.WECHAT_MP_APPID || !config.WECHAT_MP_SECRET) {
  process.stderr.write('WECHAT_MP_APPID and WECHAT_MP_SECRET are required\n');
  process.exit(1);
}
const log = createLogger(config.LOG_LEVEL);
// The token is shared through Redis with the running bot processes, as they share it among themselves.
const redis = await connectAppRedis(config.REDIS_URL, log);
try {
  await createMenu(new MpApi({ appId: config.WECHAT_MP_APPID, secret: config.WECHAT_MP_SECRET, apiRoot: config.WECHAT_MP_API_ROOT }, redis, config.REDIS_PREFIX));
  process.stdout.write(`${JSON.stringify(menuDefinition())}\n`);
} finally {
  await redis.quit();
}
