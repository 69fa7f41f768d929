import { runDatabaseCli } from '../database/database-cli.js';
import { DatabaseHandle } from '../database/database-handle.js';
import { UsersRepository } from './users.repository.js';

const USAGE = 'Usage: npm run user:promote -- <email>';

/**
 * `npm run user:promote -- <email>`: makes an existing account an admin (how the first admin is
 * made; later ones can be promoted with PATCH /admin/users/:id). Takes effect within
 * AUTH_SESSION_CACHE_SECONDS on running servers, as the guard reads the role with the session.
 */
// Exactly the one address: anything after it was meant for something (a second account, a flag
// this command does not have), and acting on the first while ignoring the rest would hide that.
const [email, ...extra] = process.argv.slice(2);
if (email === undefined || !email.includes('@') || extra.length > 0) {
  process.stderr.write(
    extra.length > 0
      ? `Unexpected argument(s) after the email: ${extra.join(' ')}\n${USAGE}\n`
      : `${USAGE}\n`,
  );
  process.exitCode = 2;
} else {
  await runDatabaseCli('Promotion failed', async ({ db }) => {
    const users = new UsersRepository(DatabaseHandle.of(db));
    const user = await users.findByEmail(email.trim().toLowerCase());
    if (!user || user.deletedAt !== null) {
      process.stderr.write(`No account with email ${email}; register it first.\n`);
      return 1;
    }
    if (user.role === 'admin') {
      process.stdout.write(`${user.email} is already an admin\n`);
      return 0;
    }
    await users.update(user.id, { role: 'admin', updatedAt: new Date() });
    process.stdout.write(`${user.email} is now an admin\n`);
    return 0;
  });
}
