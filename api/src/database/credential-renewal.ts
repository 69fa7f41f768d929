/** Reads the connection URL; `fresh` asks the source to read it again (a rotated secret). */
export type ConnectionUrlSource = (options?: { readonly fresh?: boolean }) => Promise<string>;

/**
 * Whether the server refused the credentials themselves: PostgreSQL's `invalid_password` and
 * `invalid_authorization_specification` (a user that no longer exists), MySQL's access denied.
 */
export function isCredentialRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '28P01' || code === '28000' || code === 'ER_ACCESS_DENIED_ERROR';
}

interface PoolEntry<P> {
  readonly pool: P;
  readonly url: string;
}

/**
 * The driver pool of a database whose credentials come from a secret, renewed when they change.
 * A process reads the secret once; when its password is rotated (the migration function moves the
 * API user to a new password on deploy; RDS rotation does it on schedule), connections the pool
 * already holds keep working and new ones are refused. On such a refusal this reads the secret
 * again and, if the URL changed, replaces the pool, retires the old one (it ends once what it lent
 * out is back) and has the caller try once more on the new pool, so no request fails because of
 * the rotation. A read that finds the secret unchanged spaces the next one out, 2 s and doubling to
 * 30 s: RDS's rotation changes the password a moment before the secret's current version, so the
 * first read may come too early, while a refusal that no secret fixes must not turn every request
 * into a Secrets Manager call.
 */
export class CredentialRenewal<P> {
  private current: Promise<PoolEntry<P>> | undefined;
  private renewal: { readonly after: PoolEntry<P>; readonly result: Promise<P | undefined> } | undefined;
  private nextReadAt = Number.NEGATIVE_INFINITY;
  private wait: number;
  private closed = false;

  /**
   * @param pools how to make a pool for a URL, end one (shutdown) and retire a replaced one (ends
   *   it once the connections it lent out are back)
   * @param spacing the wait after a read that changed nothing, and its cap as it doubles
   *   @default { firstMs: 2000, maxMs: 30000 }
   * @param now the clock (tests move it)
   */
  constructor(
    private readonly readUrl: ConnectionUrlSource,
    private readonly pools: {
      readonly create: (url: string) => Promise<P>;
      readonly end: (pool: P) => Promise<void>;
      readonly retire: (pool: P) => Promise<void>;
    },
    private readonly spacing = { firstMs: 2000, maxMs: 30_000 },
    private readonly now: () => number = Date.now,
  ) {
    this.wait = spacing.firstMs;
  }

  /** The current pool once made: what a hot path uses without a promise hop. */
  ready: P | undefined;

  /** The current pool, made on the first call; a failure to make it is not kept. */
  async pool(): Promise<P> {
    return (await this.entry()).pool;
  }

  /** `use` on the current pool: at once when it exists (no promise hop), else once it is made. */
  withPool<T>(use: (pool: P) => Promise<T>): Promise<T> {
    const ready = this.ready;
    return ready !== undefined ? use(ready) : this.pool().then(use);
  }

  /**
   * After a use of `refused` failed with `error`: when the database refused the credentials and a
   * renewed pool is there (see {@link renewAfterRefusal}), `retry` on it once; otherwise `error`.
   */
  async retryAfterRefusal<T>(refused: P, error: unknown, retry: (pool: P) => Promise<T>): Promise<T> {
    const renewed = isCredentialRefusal(error) ? await this.renewAfterRefusal(refused) : undefined;
    if (renewed === undefined) throw error;
    return retry(renewed);
  }

  /**
   * Called with the pool that refused the credentials: resolves to a new pool to try once more, or
   * `undefined` when there is none (the secret is unchanged, unreadable, or was read too recently,
   * or the database is being closed). Concurrent callers share one renewal.
   */
  async renewAfterRefusal(refused: P): Promise<P | undefined> {
    if (this.closed) return undefined;
    const current = await this.entry();
    if (current.pool !== refused) return current.pool;
    if (this.renewal?.after === current) return this.renewal.result;
    const result = this.renew(current).finally(() => {
      this.renewal = undefined;
    });
    this.renewal = { after: current, result };
    return result;
  }

  /** Ends the current pool (shutdown), after a renewal under way has settled; nothing opens after. */
  async end(): Promise<void> {
    this.closed = true;
    await this.renewal?.result;
    const current = this.current;
    this.current = undefined;
    this.ready = undefined;
    // A pool still being made ends itself once made (see `entry`), and one that could not be made
    // has nothing to end: neither is a failed shutdown (found in review, 2026-12-07).
    const pool = await current?.then(
      (entry) => entry.pool,
      () => undefined,
    );
    if (pool !== undefined) await this.pools.end(pool);
  }

  private entry(): Promise<PoolEntry<P>> {
    if (this.closed) return Promise.reject(new Error('The database connection was closed.'));
    this.current ??= this.readUrl()
      .then(async (url) => {
        const pool = await this.pools.create(url);
        if (this.closed) {
          await this.pools.end(pool);
          throw new Error('The database connection was closed.');
        }
        this.ready = pool;
        return { pool, url };
      })
      .catch((error: unknown) => {
        this.current = undefined;
        throw error;
      });
    return this.current;
  }

  private async renew(refused: PoolEntry<P>): Promise<P | undefined> {
    if (this.now() < this.nextReadAt) return undefined;
    let url: string | undefined;
    try {
      url = await this.readUrl({ fresh: true });
    } catch {
      url = undefined;
    }
    if (url === undefined || url === refused.url || this.closed) {
      this.nextReadAt = this.now() + this.wait;
      this.wait = Math.min(this.wait * 2, this.spacing.maxMs);
      return undefined;
    }
    let renewed: PoolEntry<P>;
    try {
      renewed = { pool: await this.pools.create(url), url };
    } catch {
      return undefined;
    }
    if (this.closed) {
      await this.pools.end(renewed.pool).catch(() => {});
      return undefined;
    }
    this.wait = this.spacing.firstMs;
    this.nextReadAt = this.now() + this.wait;
    this.current = Promise.resolve(renewed);
    this.ready = renewed.pool;
    // Connections checked out of the old pool finish their work first.
    this.pools.retire(refused.pool).catch(() => {});
    return renewed.pool;
  }
}
