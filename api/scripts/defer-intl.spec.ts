import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { deferDateTimeFormatter } from './defer-intl.js';

const SAMPLE = `const dateTimeFormatter = new Intl.DateTimeFormat(undefined, { year: 'numeric' });
globalThis.stamp = () => dateTimeFormatter.format(0);`;

/** Runs a rewritten module in a context whose Intl counts the formatters it builds. */
function run(source: string) {
  const made: unknown[] = [];
  const context = {
    globalThis: {} as { stamp?: () => string },
    Intl: {
      DateTimeFormat: class {
        constructor(...args: unknown[]) {
          made.push(args);
        }
        format() {
          return 'formatted';
        }
      },
    },
  };
  context.globalThis = context as never;
  runInNewContext(source, context);
  return { made, stamp: () => (context as { stamp?: () => string }).stamp?.() };
}

describe('deferDateTimeFormatter', () => {
  it('builds the formatter on first use, once, with the original arguments', () => {
    const { made, stamp } = run(deferDateTimeFormatter(SAMPLE, 'sample.js'));
    expect(made).toHaveLength(0);
    expect(stamp()).toBe('formatted');
    expect(stamp()).toBe('formatted');
    expect(made).toEqual([[undefined, { year: 'numeric' }]]);
  });

  it('leaves an unrewritten module eager (the difference the rewrite makes)', () => {
    expect(run(SAMPLE).made).toHaveLength(1);
  });

  it('fails the build when the statement is missing or repeated', () => {
    expect(() => deferDateTimeFormatter('const x = 1;', 'changed.js')).toThrow(/found it 0 times/);
    expect(() => deferDateTimeFormatter(`${SAMPLE}\n${SAMPLE}`, 'twice.js')).toThrow(/found it 2 times/);
  });

  it('matches the installed Nest logger modules', () => {
    const require = createRequire(import.meta.url);
    for (const module of ['services/logger.service.js', 'services/console-logger.service.js']) {
      const path = require.resolve(`@nestjs/common/${module}`);
      expect(() => deferDateTimeFormatter(readFileSync(path, 'utf8'), path)).not.toThrow();
    }
  });
});
