import { describe, expect, it } from 'vitest';
import { MULTI_LINE_TEXT, SINGLE_LINE_TEXT } from './display-text.js';

const ORDINARY = [
  'Work laptop',
  'Ümit’s YubiKey 5',
  'مفتاح العمل',
  '仕事用キー',
  'Phone 📱',
  'a\u00a0b',
  'tab-free',
];
const LAYOUT_CHANGING = {
  'C0 control (NUL)': 'a\u0000b',
  'line feed': 'a\nb',
  'carriage return': 'a\rb',
  tab: 'a\tb',
  DEL: 'a\u007fb',
  'C1 control (NEL)': 'a\u0085b',
  'C1 control (CSI)': 'a\u009bb',
  'line separator': 'a\u2028b',
  'paragraph separator': 'a\u2029b',
  'right-to-left override': 'gpj.\u202eexe',
  'left-to-right mark': 'a\u200eb',
  'right-to-left isolate': 'a\u2067b\u2069',
  // Every end of the ranges, so a typo in one is caught.
  'Arabic letter mark': 'a\u061cb',
  'right-to-left mark': 'a\u200fb',
  'left-to-right embedding': 'a\u202ab',
  'pop directional formatting': 'a\u202cb',
  'left-to-right override': 'a\u202db',
  'left-to-right isolate': 'a\u2066b',
  'first strong isolate': 'a\u2068b',
  'pop directional isolate': 'a\u2069b',
};

describe('display text rules', () => {
  it('accept ordinary names in any script, with emoji and no-break spaces', () => {
    for (const text of ORDINARY) {
      expect(SINGLE_LINE_TEXT.test(text), text).toBe(true);
      expect(MULTI_LINE_TEXT.test(text), text).toBe(true);
    }
  });

  it('refuse in one line every character that changes how the text around it reads', () => {
    for (const [what, text] of Object.entries(LAYOUT_CHANGING))
      expect(SINGLE_LINE_TEXT.test(text), what).toBe(false);
  });

  it('allow a line feed in multi-line text, and nothing else of those', () => {
    expect(MULTI_LINE_TEXT.test('first line\nsecond line')).toBe(true);
    for (const [what, text] of Object.entries(LAYOUT_CHANGING)) {
      if (what !== 'line feed') expect(MULTI_LINE_TEXT.test(text), what).toBe(false);
    }
  });
});
