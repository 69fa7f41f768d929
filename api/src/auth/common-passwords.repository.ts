import { Injectable } from '@nestjs/common';

/**
 * The ~49,000 most common passwords from `@zxcvbn-ts/language-common`, loaded on first use (never
 * at cold start) and kept as a lower-cased set of the entries long enough to pass our length rule.
 */
@Injectable()
export class CommonPasswordsRepository {
  private passwords: Promise<ReadonlySet<string>> | undefined;

  async isCommon(password: string): Promise<boolean> {
    return (await this.load()).has(password.toLowerCase());
  }

  /** Number of entries (for tests and docs). */
  async size(): Promise<number> {
    return (await this.load()).size;
  }

  private load(): Promise<ReadonlySet<string>> {
    this.passwords ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) => {
      const list = (dictionary as Record<string, readonly string[]>)['passwords-common'] ?? [];
      return new Set(list.filter((entry) => entry.length >= 8).map((entry) => entry.toLowerCase()));
    });
    return this.passwords;
  }
}
