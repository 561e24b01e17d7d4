import { t } from '../../../core/i18n/index.js';
import type { MpApi } from './api.js';

/** The custom menu's buttons: each CLICK key is the payload of the dialogue's menu button. */
const BUTTONS = [
  { key: 'menu:report', label: 'menu.report' },
  { key: 'menu:status', label: 'menu.status' },
  { key: 'menu:human', label: 'menu.human' },
] as const;

export const MENU_KEYS = new Set<string>(BUTTONS.map((b) => b.key));

/** The body of /cgi-bin/menu/create: 反映问题 / 查询进度 / 转人工. */
export function menuDefinition(): { button: { type: 'click'; name: string; key: string }[] } {
  return { button: BUTTONS.map((b) => ({ type: 'click', name: t('zh', b.label), key: b.key })) };
}

export async function createMenu(api: MpApi): Promise<void> {
  await api.createMenu(menuDefinition());
}
