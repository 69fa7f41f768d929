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

/** Sends mail. Drivers: `SesMailRepository` (Amazon SES) and `OutboxMailRepository` (database). */
export abstract class MailRepository {
  abstract send(message: MailMessage): Promise<void>;
}
