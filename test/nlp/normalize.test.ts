import { describe, expect, it } from 'vitest';
import { normalizeText } from '../../nlp-models/index.js';

describe('normalizeText', () => {
  it('turns full-width digits, letters and punctuation half-width and trims', () => {
    expect(normalizeText('　ＱＨ２６１１２５－０００１，ａｂｃ！ ')).toBe('QH261125-0001,abc!');
  });

  it('leaves Chinese characters and the ideographic full stop alone', () => {
    expect(normalizeText('路灯坏了。怎么办？')).toBe('路灯坏了。怎么办?');
  });
});
