import { describe, expect, it } from 'vitest';
import { INTENTS, MAX_COMMAND_LENGTH, recognizeIntent, type Intent } from '../../nlp-models/index.js';

const intentOf = (text: string) => recognizeIntent(text)?.intent;

// Two ways to say each intent in Chinese and in English.
const SAYINGS: Record<Intent, [string, string, string, string]> = {
  greet: ['你好', '在吗？', 'hello', 'Good morning!'],
  report: ['我要投诉', '反映问题', 'report a problem', 'I want to make a complaint'],
  status: ['查询进度', '办得怎么样了', 'check status', 'progress'],
  my_cases: ['我的案件', '我反映的问题', 'my cases', 'My reports'],
  handoff: ['转人工', '我要找人工客服', 'talk to a human', 'agent please'],
  help: ['帮助', '怎么用？', 'help', 'How does this work?'],
  cancel: ['取消', '算了不报了', 'cancel', 'never mind'],
  back: ['返回', '上一步', 'back', 'go back'],
  confirm: ['确认提交', '好的', 'yes', 'OK'],
  deny: ['不是', '跳过', 'no', 'skip'],
  thanks: ['谢谢', '辛苦了！', 'thanks', 'Thank you!'],
  lang_zh: ['中文', '说中文', 'Chinese', 'chinese please'],
  lang_en: ['英文', 'English', 'English please', 'in english'],
  out_of_scope: ['今天天气怎么样', '讲个笑话', 'tell me a joke', 'who are you'],
};

describe('intents', () => {
  it('covers every intent in both languages', () => {
    expect(Object.keys(SAYINGS).sort()).toEqual([...INTENTS].sort());
    for (const [intent, sayings] of Object.entries(SAYINGS)) {
      for (const text of sayings) expect(intentOf(text), text).toBe(intent);
    }
  });

  it('tolerates typos, traditional characters, full-width forms and mixed languages', () => {
    expect(intentOf('转仁工')).toBe('handoff');
    expect(intentOf('cancle')).toBe('cancel');
    expect(intentOf('thnks')).toBe('thanks');
    expect(intentOf('轉人工')).toBe('handoff');
    expect(intentOf('查詢進度')).toBe('status');
    expect(intentOf('謝謝')).toBe('thanks');
    expect(intentOf('ＯＫ')).toBe('confirm');
    expect(intentOf('please 转人工')).toBe('handoff');
    expect(intentOf('请帮我转人工服务')).toBe('handoff');
  });

  it('does not read commands into reports and other words', () => {
    expect(intentOf('城东区八一路路面塌陷了')).toBeUndefined();
    expect(intentOf('需要帮助的老人没人管')).toBeUndefined();
    expect(intentOf('人工湖边的垃圾没人清理')).toBeUndefined();
    expect(intentOf('取钱')).toBeUndefined();
    expect(intentOf('the staff at the office was rude to me')).toBeUndefined();
    expect(intentOf('😀😀')).toBeUndefined();
    expect(intentOf('')).toBeUndefined();
    expect(intentOf(`取消${'很'.repeat(MAX_COMMAND_LENGTH)}`)).toBeUndefined();
  });

  it('scores exact phrases above typos and phrases with extra words', () => {
    expect(recognizeIntent('转人工')?.score).toBe(1);
    expect(recognizeIntent('转仁工')!.score).toBeLessThan(1);
    expect(recognizeIntent('我要找人工客服吧')!.score).toBeLessThan(1);
  });
});
