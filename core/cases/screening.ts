import { normalizeText } from '../../nlp-models/index.js';

/** What is missing before a department could act on a report. */
export type MissingDetail = 'place' | 'detail';
export type RejectReason = 'empty' | 'advertising' | 'abusive';

export type Screening =
  | { verdict: 'accept' }
  | { verdict: 'needs_info'; missing: MissingDetail[] }
  | { verdict: 'reject'; reason: RejectReason };

// Insults that carry no complaint of their own. Anger about a real problem is not rejected:
// only a message that is nothing but abuse once these are taken out.
const ABUSE = ['傻逼', '傻b', '煞笔', '沙比', '操你', '草你', '日你', '你妈', '尼玛', '他妈的', '妈的', '狗日', '王八蛋', '混蛋', '去死', '滚蛋', '垃圾政府', 'fuck', 'shit', 'bitch', 'idiot'];
// Spam wording. A complaint about fraud quotes such words too, so it takes several of them
// together with a way to contact the sender, and no word of complaint.
const ADVERTISING = ['加微信', '加v', '加qq', '微信号', 'vx', '代开发票', '发票', '兼职', '刷单', '日赚', '日结', '贷款', '低息', '无抵押', '优惠', '促销', '招聘', '代办', '彩票', '博彩', '点击链接', '扫码', '免费领取', 'loan', 'discount', 'promo', 'click here', 'whatsapp'];
const CONTACT = /(https?:\/\/|www\.|\.com\b|\.cn\b|qq|微信|vx|wx|\d{7,})/i;
const COMPLAINT = ['投诉', '举报', '反映', '诈骗', '被骗', '骗子', '骚扰', '报警', 'scam', 'fraud', 'complain'];

const MEANINGFUL = /[\p{Script=Han}\p{L}\p{N}]/gu;

function meaningful(text: string): string[] {
  return text.match(MEANINGFUL) ?? [];
}

export type ScreeningInput = { description: string; regionCode: string | null; placeText: string | null };

/**
 * The intake check of a confirmed report: empty, spam and pure abuse are rejected with a reason
 * the resident is told; a report too short to act on, or with no place at all, needs more
 * information; everything else is accepted. Deliberately cautious: a wrong rejection loses a
 * resident's problem, a wrong acceptance costs a clerk a minute.
 */
export function screen(report: ScreeningInput, minDetailChars: number): Screening {
  const text = normalizeText(report.description).toLowerCase();
  const chars = meaningful(text);
  if (new Set(chars).size < 4) return { verdict: 'reject', reason: 'empty' };

  const ads = ADVERTISING.filter((w) => text.includes(w)).length;
  if (ads >= 2 && CONTACT.test(text) && !COMPLAINT.some((w) => text.includes(w))) return { verdict: 'reject', reason: 'advertising' };

  const withoutAbuse = ABUSE.reduce((rest, w) => rest.replaceAll(w, ''), text);
  if (withoutAbuse !== text && meaningful(withoutAbuse).length < minDetailChars) return { verdict: 'reject', reason: 'abusive' };

  const missing: MissingDetail[] = [];
  if (chars.length < minDetailChars) missing.push('detail');
  if (!report.regionCode && !report.placeText) missing.push('place');
  return missing.length ? { verdict: 'needs_info', missing } : { verdict: 'accept' };
}
