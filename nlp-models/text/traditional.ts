/**
 * Traditional → simplified for the characters residents use in commands, places and common
 * complaint words. Not a full converter: enough that 轉人工, 查詢進度 or 城東區 are understood.
 */
const PAIRS =
  '轉转務务幫帮詢询進进謝谢確确認认開开說说話话問问題题報报請请們们這这個个對对麼么沒没還还號号碼码電电語语體体簡简為为時时間间關关係系應应該该嗎吗來来見见幾几點点氣气樣样聽听錯错裡里後后單单場场處处辦办態态員员給给讓让從从當当續续選选擇择聯联類类別别歡欢東东區区縣县寧宁樂乐門门爾尔陽阳興兴莊庄龍龙與与業业廳厅機机車车學学醫医療疗險险資资勞劳動动環环護护農农貿贸遊游濟济黨党紀纪監监檢检設设鄉乡鎮镇髮发壞坏塌塌漏漏燈灯橋桥廠厂鐵铁補补貼贴錢钱費费務务權权證证總总負负責责須须雖虽無无網网絡络線线長长屬属實实聲声響响歲岁屆届壓压護护'.match(/../gu) ?? [];
const MAP = new Map(PAIRS.map((pair) => [pair[0]!, pair[1]!]));
// All of them are single UTF-16 units, so one character class finds them.
const TRADITIONAL = new RegExp(`[${[...MAP.keys()].join('')}]`, 'g');

export function toSimplified(text: string): string {
  return text.replace(TRADITIONAL, (ch) => MAP.get(ch)!);
}
