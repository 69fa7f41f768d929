/**
 * A small evaluator for the subset of GitHub Actions expression syntax our workflows' `if:`
 * conditions use: property access on a context (`github.event.workflow_run.event`), string,
 * number, boolean and null literals, `==`, `!=`, `!`, `&&`, `||` and parentheses. Tests evaluate a
 * condition's meaning with it instead of matching substrings, which accepted `||` for `&&`.
 * Anything else (function calls such as `success()`, `<`, indexing) is refused with an error, so
 * a condition the evaluator cannot judge fails the test instead of being misread.
 *
 * Semantics follow GitHub's documentation ("Evaluate expressions in workflows and actions"):
 * `&&`/`||` return an operand, strings compare case-insensitively, values of different types are
 * compared as numbers, a missing property is null.
 */

export type ExpressionValue =
  | string
  | number
  | boolean
  | null
  | readonly ExpressionValue[]
  | { readonly [key: string]: ExpressionValue };

export type ExpressionContext = Readonly<Record<string, ExpressionValue>>;

type Token =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'identifier'; value: string }
  | { kind: 'operator'; value: '==' | '!=' | '&&' | '||' | '!' | '(' | ')' | '.' };

const OPERATORS = ['==', '!=', '&&', '||', '!', '(', ')', '.'] as const;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const rest = source.slice(index);
    const space = /^\s+/.exec(rest);
    if (space) {
      index += space[0].length;
      continue;
    }
    // Two-character operators first, so `!=` is not read as `!` followed by `=`.
    const operator = OPERATORS.find((candidate) => rest.startsWith(candidate));
    if (operator) {
      tokens.push({ kind: 'operator', value: operator });
      index += operator.length;
      continue;
    }
    // A string literal is single-quoted; a quote inside it is written twice.
    const string = /^'((?:[^']|'')*)'/.exec(rest);
    if (string) {
      tokens.push({ kind: 'string', value: (string[1] ?? '').replaceAll("''", "'") });
      index += string[0].length;
      continue;
    }
    const number = /^-?\d+(?:\.\d+)?/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      index += number[0].length;
      continue;
    }
    const identifier = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
    if (identifier) {
      tokens.push({ kind: 'identifier', value: identifier[0] });
      index += identifier[0].length;
      continue;
    }
    throw new Error(`unsupported syntax at ${JSON.stringify(rest.slice(0, 20))} in: ${source}`);
  }
  return tokens;
}

/** Whether GitHub treats the value as true (everything but false, 0, '', null and NaN). */
export function isTruthy(value: ExpressionValue): boolean {
  if (value === null || value === false || value === '') return false;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  return true;
}

function toNumber(value: ExpressionValue): number {
  if (value === null) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === '') return 0;
    return /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(value) ? Number(value) : Number.NaN;
  }
  return Number.NaN;
}

function looselyEqual(left: ExpressionValue, right: ExpressionValue): boolean {
  if (typeof left === 'string' && typeof right === 'string')
    return left.toLowerCase() === right.toLowerCase();
  if (typeof left === 'object' || typeof right === 'object') {
    // Objects and arrays equal only themselves; null (also typeof 'object') compares as a number.
    if (left !== null && right !== null) return left === right;
  }
  return toNumber(left) === toNumber(right);
}

class Parser {
  private position = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly context: ExpressionContext,
    private readonly source: string,
  ) {}

  parse(): ExpressionValue {
    const value = this.or();
    if (this.position < this.tokens.length) this.fail('unexpected token');
    return value;
  }

  // Precedence, loosest first: ||, &&, == and !=, then !.
  private or(): ExpressionValue {
    let left = this.and();
    while (this.takeOperator('||')) {
      const right = this.and();
      left = isTruthy(left) ? left : right;
    }
    return left;
  }

  private and(): ExpressionValue {
    let left = this.equality();
    while (this.takeOperator('&&')) {
      const right = this.equality();
      left = isTruthy(left) ? right : left;
    }
    return left;
  }

  private equality(): ExpressionValue {
    let left = this.unary();
    for (;;) {
      if (this.takeOperator('==')) left = looselyEqual(left, this.unary());
      else if (this.takeOperator('!=')) left = !looselyEqual(left, this.unary());
      else return left;
    }
  }

  private unary(): ExpressionValue {
    if (this.takeOperator('!')) return !isTruthy(this.unary());
    return this.primary();
  }

  private primary(): ExpressionValue {
    const token = this.tokens[this.position];
    if (!token) return this.fail('unexpected end');
    this.position += 1;
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'operator') {
      if (token.value !== '(') return this.fail(`unexpected ${token.value}`);
      const value = this.or();
      if (!this.takeOperator(')')) this.fail('missing )');
      return value;
    }
    if (token.value === 'true') return true;
    if (token.value === 'false') return false;
    if (token.value === 'null') return null;
    const next = this.tokens[this.position];
    if (next?.kind === 'operator' && next.value === '(')
      return this.fail(`function ${token.value}() unsupported`);
    let value: ExpressionValue = this.context[token.value] ?? null;
    while (this.takeOperator('.')) {
      const property = this.tokens[this.position];
      if (property?.kind !== 'identifier') return this.fail('expected a property name after .');
      this.position += 1;
      value = propertyOf(value, property.value);
    }
    return value;
  }

  private takeOperator(operator: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind !== 'operator' || token.value !== operator) return false;
    this.position += 1;
    return true;
  }

  private fail(problem: string): never {
    throw new Error(`${problem} (token ${this.position}) in: ${this.source}`);
  }
}

/** A property of an object (case-insensitive, as in GitHub's contexts); null for anything else. */
function propertyOf(value: ExpressionValue, name: string): ExpressionValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const record = value as { readonly [key: string]: ExpressionValue };
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : (record[key] ?? null);
}

/** Evaluates an expression, with or without its `${{ }}` wrapper, against the given contexts. */
export function evaluateExpression(source: string, context: ExpressionContext): ExpressionValue {
  const wrapped = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(source);
  const expression = wrapped?.[1] ?? source;
  return new Parser(tokenize(expression), context, expression).parse();
}
