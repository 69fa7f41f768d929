import { runDatabaseCli } from '../database/database-cli.js';
import { DatabaseHandle } from '../database/database-handle.js';
import { UsersRepository } from '../users/users.repository.js';
import { MfaRepository } from './mfa.repository.js';
import { SessionsRepository } from './sessions.repository.js';

const USAGE = 'Usage: npm run user:mfa-reset -- <email>';

/**
 * `npm run user:mfa-reset -- <email>`: turns two-step sign-in off for an account whose owner lost
 * both the authenticator app and the recovery codes, after support confirmed who they are by other
 * means. Nothing in the API can do this (a password reset deliberately does not), so it takes
 * database access. It also signs out every session of the account: a reset asked for by someone
 * impersonating the owner should not leave them a session, and the owner signs in again anyway.
 */
const email = process.argv[2];
if (email === undefined || !email.includes('@')) {
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = 2;
} else {
  await runDatabaseCli('Resetting two-step sign-in failed', async ({ db }) => {
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
    const now = new Date();
    await new MfaRepository(database).disable(user.id, now);
    await new SessionsRepository(database).revokeAll(user.id, now, 'mfa_reset');
    process.stdout.write(
      `Two-step sign-in is off for ${user.email} and its sessions are signed out; they sign in with their password (or an emailed code) and can turn it on again.\n`,
    );
    return 0;
  });
}
