/** Who is calling, as the auth guard established it; available through `@CurrentAuth()`. */
export type AuthContext =
  | {
      readonly method: 'bearer';
      readonly userId: string;
      readonly sessionId: string;
      readonly role: 'user' | 'admin';
    }
  | {
      readonly method: 'apiKey';
      readonly userId: string;
      readonly apiKeyId: string;
      readonly role: 'user' | 'admin';
      readonly scopes: readonly string[];
    };

/** A signed-in user (Bearer token); routes that manage the account itself require this. */
export type UserAuth = Extract<AuthContext, { method: 'bearer' }>;

/** Where a request came from, for sessions and rate limits. */
export interface ClientInfo {
  /** The client's address; X-Forwarded-For is honoured only from TRUSTED_PROXIES. */
  readonly ip: string;
  readonly userAgent: string | null;
}
