/** Checks shared by several constructs; each throws with a message that says what to fix. */

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;
const ORIGIN = /^https?:\/\/[^/\s*]+$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/**
 * Names that say a variable carries a secret value: by suffix, and the API's own secret-valued
 * variables by name (the MFA keys and AWS's session credentials slipped through the suffixes until
 * 2026-12-07, found in review). Their `…_SECRET_ARN` forms name a secret and pass.
 */
const SECRET_NAME =
  /SECRET$|PASSWORD|PRIVATE_KEY|^API_KEYS$|^DATABASE_URL$|^MFA_ENCRYPTION_(KEY|PREVIOUS_KEYS)$|^AWS_(SECRET_ACCESS_KEY|SESSION_TOKEN)$/;

/** Throws unless `arn` is a Secrets Manager secret ARN. */
export function assertSecretArn(what: string, arn: string): void {
  if (!SECRET_ARN.test(arn)) throw new Error(`${what} "${arn}" is not a Secrets Manager secret ARN`);
}

/** Throws unless every entry is a browser origin (`https://app.example.com`); `*` is refused. */
export function assertOrigins(origins: readonly string[]): void {
  for (const origin of origins) {
    if (!ORIGIN.test(origin)) {
      throw new Error(
        `CORS origin "${origin}" must be an origin like https://app.example.com ("*" is refused)`,
      );
    }
  }
}

/**
 * Throws when an environment variable name says it carries a secret value (`JWT_SECRET`,
 * `API_KEYS`, `DATABASE_URL` with its password…): function and task configuration is readable by
 * anyone allowed to describe it, so secrets travel as ARNs or as injected secrets.
 */
export function assertNoPlaintextSecrets(environment: Record<string, string>): void {
  for (const name of Object.keys(environment)) {
    if (SECRET_NAME.test(name)) {
      throw new Error(
        `environment variable ${name} would hold a secret in plaintext; pass a secret ARN instead`,
      );
    }
  }
}

/** True when `value` looks like an email address (one @, a dot in the domain, no spaces). */
export function isEmail(value: string): boolean {
  return EMAIL.test(value);
}
