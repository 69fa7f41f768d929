import { vi } from 'vitest';
import type { MailRecipient, MailService, QueuedMail } from '../../src/mail/mail.service.js';
import { specTransactionOpen } from './recorded-security-activity.js';

/** A queued mail as the fake keeps it: what was asked for, and the transaction it was queued in. */
interface RecordedQueuedMail {
  readonly to: string;
  readonly template: string;
  readonly args: readonly unknown[];
  readonly trx: unknown;
}

/**
 * MailService for service unit tests. `sent` is called with (address, template, ...arguments) for
 * every mail that would go out: each `send` and `sendBefore`, and each queued mail once it is `deliver`ed — a mail
 * queued and never delivered (a service that forgot to) is not in it. `queue` records the
 * transaction it was given, so a test can check the mail is written with the change; `deliver`
 * throws inside a spec transaction.
 */
export function recordingMail() {
  const address = (to: MailRecipient) => (typeof to === 'string' ? to : to.email);
  const sent = vi.fn<(to: string, template: string, ...args: unknown[]) => void>();
  const fake = {
    sent,
    send: vi.fn(async (to: MailRecipient, template: string, ...args: unknown[]) => {
      sent(address(to), template, ...args);
    }),
    // The bound on the wait (`answerBy`) is MailService's to keep (its spec); callers' specs check
    // which instant they pass.
    sendBefore: vi.fn(
      async (_answerBy: number | undefined, to: MailRecipient, template: string, ...args: unknown[]) => {
        sent(address(to), template, ...args);
      },
    ),
    queue: vi.fn(
      async (trx: unknown, to: MailRecipient, template: string, ...args: unknown[]) =>
        ({ to: address(to), template, args, trx }) satisfies RecordedQueuedMail,
    ),
    deliver: vi.fn(async (queued: QueuedMail, _answerBy?: number) => {
      // Delivered inside the change's transaction it would go out for a change that may still roll
      // back, and its queue update would wait on the pool while the transaction holds the connection.
      if (specTransactionOpen()) throw new Error(`mail ${queued.template} delivered inside its transaction`);
      const recorded = queued as unknown as RecordedQueuedMail;
      sent(recorded.to, recorded.template, ...recorded.args);
    }),
  };
  return fake as unknown as MailService & { readonly sent: typeof sent };
}
