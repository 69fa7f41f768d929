import { describe, expect, it } from 'vitest';
import { describeDevice } from './device-description.js';

const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe('describeDevice', () => {
  it('names browser and system, the same across browser versions', () => {
    expect(describeDevice(CHROME_LINUX)).toBe('Chrome on Linux');
    expect(describeDevice(CHROME_LINUX.replace('131.0.0.0', '142.0.0.0'))).toBe('Chrome on Linux');
    expect(
      describeDevice(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      ),
    ).toBe('Edge on Windows');
    expect(
      describeDevice(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari on iOS');
    expect(
      describeDevice(
        'Mozilla/5.0 (Linux; Android 15) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      ),
    ).toBe('Chrome on Android');
    expect(
      describeDevice('Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0'),
    ).toBe('Firefox on macOS');
  });

  it('tells different devices apart', () => {
    expect(describeDevice(CHROME_LINUX)).not.toBe(
      describeDevice(CHROME_LINUX.replace('X11; Linux x86_64', 'Windows NT 10.0')),
    );
    expect(describeDevice(CHROME_LINUX)).not.toBe(describeDevice('curl/8.11.0'));
  });

  it('names other clients by their product token, and says when there is nothing to go on', () => {
    expect(describeDevice('curl/8.11.0')).toBe('curl');
    expect(describeDevice('okhttp/4.12.0')).toBe('okhttp');
    expect(describeDevice('node')).toBe('node');
    expect(describeDevice(null)).toBe('an unknown device');
    expect(describeDevice('   ')).toBe('an unknown device');
    expect(describeDevice('x'.repeat(100))).toHaveLength(40);
  });
});
