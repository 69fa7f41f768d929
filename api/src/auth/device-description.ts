// Order matters: Edge's and Opera's user agents also name Chrome, Chrome's also names Safari,
// Android's names Linux.
const BROWSERS: readonly (readonly [RegExp, string])[] = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/Chrom(e|ium)\/|CriOS\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const SYSTEMS: readonly (readonly [RegExp, string])[] = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Windows/, 'Windows'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

/**
 * "Chrome on Linux" from a user agent: what a person recognises as their device, and what stays
 * the same when the browser updates itself (the version in the string changes every few weeks).
 * A client that is not a browser is named by its product token ("curl", "okhttp").
 */
export function describeDevice(userAgent: string | null): string {
  const agent = userAgent?.trim() ?? '';
  if (agent === '') return 'an unknown device';
  const browser = BROWSERS.find(([pattern]) => pattern.test(agent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(agent))?.[1];
  if (!browser) return (agent.split(/[/\s]/)[0] ?? agent).slice(0, 40);
  return system ? `${browser} on ${system}` : browser;
}
