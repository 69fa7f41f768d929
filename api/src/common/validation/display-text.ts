/*
 * What names and short texts people give things may contain. They are shown to other people and
 * quoted in plain-text mail (a passkey's or API key's name in the notice to the owner), so beyond
 * control characters (C0, DEL and C1: `\p{Cc}`) they must not hold what changes how the text
 * around them reads: the line and paragraph separators U+2028/U+2029, which start a new line in
 * many mail clients as a line feed does, and the bidirectional marks and overrides
 * (U+061C, U+200E/U+200F, U+202A–U+202E, U+2066–U+2069), which can make `evil.exe` show as `exe.live`
 * (found in review: the earlier rule refused only C0 and DEL).
 */

const LAYOUT_CHANGING = '\\p{Cc}\\p{Zl}\\p{Zp}\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069';

/** One line of text: none of the characters above. */
export const SINGLE_LINE_TEXT = new RegExp(`^[^${LAYOUT_CHANGING}]*$`, 'u');
export const SINGLE_LINE_TEXT_MESSAGE =
  'must not contain control characters, line separators or text-direction marks';

/** Text with line breaks (a bio): the same, with `\n` allowed. */
export const MULTI_LINE_TEXT = new RegExp(`^(?:[^${LAYOUT_CHANGING}]|\\n)*$`, 'u');
export const MULTI_LINE_TEXT_MESSAGE =
  'must not contain control characters other than line breaks, line separators or text-direction marks';
