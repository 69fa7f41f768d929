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
      /**
       * Always 'user': a key acts on its owner's own data, never with an administrator's powers,
       * whoever made it. A key outlives sign-outs and password changes and sits in scripts and CI
       * settings; an administrator acts through a signed-in session, as granting the role needs.
       */
      readonly role: 'user';
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
