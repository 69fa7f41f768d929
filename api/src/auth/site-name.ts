import type { AppConfig } from '../config/app-config.js';

/**
 * The name an authenticator shows the site under (an authenticator app's account list, a passkey
 * manager): MAIL_FROM's display name, or the host of PUBLIC_BASE_URL.
 */
export function siteName(config: AppConfig): string {
  const displayName = /^\s*"?([^"<]*?)"?\s*</.exec(config.mail.from)?.[1]?.trim();
  return displayName || new URL(config.publicBaseUrl).host;
}
