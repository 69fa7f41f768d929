import { SecurityActivityService } from '../auth/security-activity.service.js';
import { SecurityEventsRepository } from '../auth/security-events.repository.js';
import { SessionsRepository } from '../auth/sessions.repository.js';
import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { createLogger } from '../common/logging/logger.js';
import { runDatabaseCli, singleEmailArgument } from '../database/database-cli.js';
import { DatabaseHandle } from '../database/database-handle.js';
import { MailService } from '../mail/mail.service.js';
import { MailQueueRepository } from '../mail/mail-queue.repository.js';
import { OutboxMailRepository } from '../mail/outbox-mail.repository.js';
import { SesMailRepository } from '../mail/ses-mail.repository.js';
import { UsersRepository } from './users.repository.js';

const USAGE = 'Usage: npm run user:promote -- <email>';

/**
 * `npm run user:promote -- <email>`: makes an existing account an admin (how the first admin is
 * made; later ones can be promoted with PATCH /admin/users/:id). As that route does it, in one
 * transaction: the role, the account's sessions signed out (they carry the old role; the owner
 * signs in again as an admin), the owner's `role_changed` activity (an administrator's change)
 * and the "You are now an administrator" mail, queued with the change and sent through the
 * configured driver; if sending fails here, the API's delivery pass retries it.
 */
const email = singleEmailArgument(USAGE);
if (email !== undefined) {
  await runDatabaseCli('Promotion failed', async ({ config, db }) => {
    const database = DatabaseHandle.of(db);
    const users = new UsersRepository(database);
    const user = await users.findByEmail(email.trim().toLowerCase());
    if (!user || user.deletedAt !== null) {
      process.stderr.write(`No account with email ${email}; register it first.\n`);
      return 1;
    }
    if (user.role === 'admin') {
      process.stdout.write(`${user.email} is already an admin\n`);
      return 0;
    }
    const clock = new ClockRepository();
    const crypto = new CryptoRepository();
    // Only failures are logged (a mail that could not be sent now): the command's own output is text.
    const logger = createLogger({ level: config.log.level, pretty: false });
    const mail = new MailService(
      config.mail.driver === 'ses'
        ? new SesMailRepository(config)
        : new OutboxMailRepository(database, clock, crypto, config, logger),
      new MailQueueRepository(database),
      clock,
      crypto,
      config,
      logger,
    );
    const activity = new SecurityActivityService(
      new SecurityEventsRepository(database),
      crypto,
      clock,
      config,
    );
    const now = clock.now();
    const notice = await activity.withEvents(
      async (trx) => {
        await users.update(user.id, { role: 'admin', updatedAt: now }, trx);
        await new SessionsRepository(database).revokeAll(user.id, now, 'role_changed', undefined, trx);
        return mail.queue(trx, user, 'adminGranted');
      },
      activity.event(user.id, 'role_changed', 'admin', 'admin'),
    );
    await mail.deliver(notice);
    process.stdout.write(`${user.email} is now an admin (signed out; sign in again)\n`);
    return 0;
  });
}
