/**
 * What makes a message urgent (a safety hazard): data, edited here, read by detectUrgency.
 * `signal` is what detectUrgency reports; `terms` are matched as substrings (English as whole words).
 */
export type UrgencyRule = { signal: string; terms: string[]; pattern?: RegExp; heatingSeasonOnly?: boolean };

/**
 * Water, power, heating or gas cut off, however residents put it: 停水, 断电, 没有暖气,
 * 自来水已经停了五天, 暖气不热; in English "no water", "power cut". An elevator (电梯) or
 * a phone (电话) that stopped is no supply cut off.
 */
export const OUTAGE = /(停|断)了?(水|电|暖|气)|没有?(水|电(?!梯|话|脑|视|动|瓶|车)|暖气)|(水|电(?!梯|话|脑|视|动|瓶|车)|暖气|燃气|天然气)[^，。,.!?！？\s]{0,4}(停|断)了|暖气不热|\b(no (heating|water|power|electricity)|(power|water) cut)\b/i;

export const URGENCY_RULES: UrgencyRule[] = [
  { signal: 'collapse', terms: ['塌陷', '坍塌', '塌方', '倒塌', '垮塌', '塌了', 'collapsed', 'collapse', 'sinkhole'] },
  { signal: 'gas-leak', terms: ['漏气', '燃气泄漏', '煤气泄漏', '天然气泄漏', '燃气味', '煤气味', 'gas leak', 'smell of gas', 'leaking gas'] },
  { signal: 'fire', terms: ['起火', '着火', '失火', '火灾', '冒烟', 'fire', 'smoke'] },
  { signal: 'injury', terms: ['受伤', '伤亡', '死亡', '昏迷', 'injured', 'injury', 'hurt', 'unconscious'] },
  { signal: 'electric-shock', terms: ['触电', '电线掉', '电线断', '漏电', 'electrocuted', 'electric shock', 'live wire'] },
  { signal: 'flood', terms: ['被淹', '内涝', '溃坝', '决堤', '洪水', 'flooding', 'flooded'] },
  // Distress: a person in danger of harming themselves needs a person at once, whatever the topic.
  { signal: 'distress', terms: ['不想活', '活不下去', '想死', '自杀', '轻生', '跳楼', '救救我', '救命', 'suicide', 'kill myself', 'want to die'] },
  { signal: 'poisoning', terms: ['中毒', '一氧化碳', 'poisoning', 'carbon monoxide'] },
  // In a Qinghai winter, losing water, power or heat is a danger, not an inconvenience.
  {
    signal: 'winter-outage',
    terms: [],
    pattern: OUTAGE,
    heatingSeasonOnly: true,
  },
];

/** Qinghai's heating season (month-day, inclusive), when winter-outage rules apply. */
export const HEATING_SEASON = { from: '10-15', to: '04-15' };

/** Words that put a message in winter whatever the date. */
export const WINTER_WORDS = ['冬天', '冬季', '寒冬', '零下', '严寒', '冻', 'winter', 'freezing'];
