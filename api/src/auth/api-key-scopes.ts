/**
 * Every scope a route checks with `@AllowApiKey`, and so every scope a key can be given: a key
 * with a misspelt scope (\`file:write\`) would authorise nothing, so creating one is refused.
 * A new `@AllowApiKey` scope is added here first (the decorator accepts only these).
 */
export const KNOWN_API_KEY_SCOPES = ['users:read', 'files:read', 'files:write'] as const;

export type ApiKeyScope = (typeof KNOWN_API_KEY_SCOPES)[number];
