import { ClockRepository } from '../common/clock/clock.repository.js';
import { CryptoRepository } from '../common/crypto/crypto.repository.js';
import { runDatabaseCli, singleEmailArgument } from '../database/database-cli.js';
import { DatabaseHandle } from '../database/database-handle.js';
import { UsersRepository } from '../users/users.repository.js';
import { MfaRepository } from './mfa.repository.js';
import { SecurityActivityService } from './security-activity.service.js';
import { SecurityEventsRepository } from './security-events.repository.js';
import { SessionsRepository } from './sessions.repository.js';

const USAGE = 'Usage: npm run user:mfa-reset -- <email>';

/**
 * `npm run user:mfa-reset -- <email>`: turns two-step sign-in off for an account whose owner lost
 * both the authenticator app and the recovery codes, after support confirmed who they are by other
 * means. Nothing in the API can do this (a password reset deliberately does not), so it takes
 * database access. It also signs out every session of the account: a reset asked for by someone
 * impersonating the owner should not leave them a session, and the owner signs in again anyway.
 * The owner's security activity lists it as an administrator's `two_step_disabled`. It mails no
 * one: support, who confirmed the owner's identity, tells them.
 */
const email = singleEmailArgument(USAGE);
if (email !== undefined) {
  await runDatabaseCli('Resetting two-step sign-in failed', async ({ config, db }) => {
    const database = DatabaseHandle.of(db);
    const users = new UsersRepository(database);
    const user = await users.findByEmail(email.trim().toLowerCase());
    if (!user || user.deletedAt !== null) {
      process.stderr.write(`No account with email ${email}.\n`);
      return 1;
    }
    if (user.mfaEnabledAt === null) {
      process.stdout.write(`${user.email} does not use two-step sign-in\n`);
      return 0;
    }
    const clock = new ClockRepository();
    const activity = new SecurityActivityService(
      new SecurityEventsRepository(database),
      new CryptoRepository(),
      clock,
      config,
    );
    const now = clock.now();
    // One transaction, as the admin route does it: two-step sign-in off without the sessions
    // signed out would be the state this reset must never leave (and a second run would not
    // repair it: it would find two-step sign-in off). The owner's activity shows it as support's.
    await activity.withEvents(
      async (trx) => {
        await new MfaRepository(database).disable(user.id, now, trx);
        await new SessionsRepository(database).revokeAll(user.id, now, 'mfa_reset', undefined, trx);
      },
      activity.event(user.id, 'two_step_disabled', 'admin'),
    );
    process.stdout.write(
      `Two-step sign-in is off for ${user.email} and its sessions are signed out; they sign in with their password (or an emailed code) and can turn it on again.\n`,
    );
    return 0;
  });
}
