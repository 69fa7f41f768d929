/** One email, already rendered. */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /**
   * A one-line description safe for logs in development (may contain the link or code);
   * never logged outside NODE_ENV=development.
   */
  readonly devSummary: string;
}

/**
 * Thrown by a driver when the mail service refused this message for good (a rejected address or
 * content, an unverified sender): the queue gives it up instead of retrying.
 */
export class MailRejectedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MailRejectedError';
  }
}

/** Sends mail. Drivers: `SesMailRepository` (Amazon SES) and `OutboxMailRepository` (database). */
export abstract class MailRepository {
  /** One attempt; throws {@link MailRejectedError} when no retry can succeed, anything else when one may. */
  abstract send(message: MailMessage): Promise<void>;
}
