import { residentMessagesCsv } from '../support/resident-messages.js';
import { describe, expect, it } from 'vitest';
import {
  INTENTS,
  MAX_COMMAND_LENGTH,
  isGibberish,
  loadLabelledCsv,
  recognizeIntent,
  recognizeServiceQuestion,
  type Intent,
  type ServiceQuestion,
} from '../../nlp-models/index.js';

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
  service: ['你们是干什么的', '要多久', 'what is this', 'how long'],
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

describe('questions about the service', () => {
  it('tells which question is asked, in both languages, and reads it as the service intent', () => {
    const asked: [string, ServiceQuestion][] = [
      ['你们是干什么的', 'about'], ['你们是干什么的？', 'about'], ['What is this?', 'about'],
      ['怎么反映问题', 'how'], ['请问怎么反映问题呢', 'how'], ['how do I report', 'how'],
      ['要多久', 'duration'], ['需要多久？', 'duration'], ['How long does it take?', 'duration'],
    ];
    for (const [text, question] of asked) {
      expect(intentOf(text), text).toBe('service');
      expect(recognizeServiceQuestion(text), text).toBe(question);
    }
    expect(recognizeServiceQuestion('城东区八一路路面塌陷了')).toBeUndefined();
  });
});

describe('nonsense', () => {
  it('is recognised: keyboard mashes, one sound or key held down, punctuation', () => {
    for (const text of ['asdfgh qwerty 啊啊啊', 'zzz ??? ……', '哈哈哈哈哈哈', 'qwer asdf zxcv', '？？？！！！', '啊啊啊啊啊啊啊啊啊啊啊啊']) {
      expect(isGibberish(text), text).toBe(true);
    }
  });

  it('is not called on real words, numbers or other scripts', () => {
    for (const text of ['城东区路灯坏了', 'The street light on Bayi Road is broken', 'water cut off', '13912345678', 'QH2611250001', 'བོད་ཡིག', '水管爆了啊啊啊']) {
      expect(isGibberish(text), text).toBe(false);
    }
  });

  it('is never called on a real resident message (the shared training data, read now)', () => {
    const { examples } = loadLabelledCsv(residentMessagesCsv());
    expect(examples.length).toBeGreaterThan(800);
    const called = examples.flatMap((e) => [e.title, e.detail, `${e.title} ${e.detail}`]).filter((text) => text && isGibberish(text));
    expect(called).toEqual([]);
  });
});
