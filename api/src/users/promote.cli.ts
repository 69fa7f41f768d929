import { runDatabaseCli, singleEmailArgument } from '../database/database-cli.js';
import { DatabaseHandle } from '../database/database-handle.js';
import { UsersRepository } from './users.repository.js';

const USAGE = 'Usage: npm run user:promote -- <email>';

/**
 * `npm run user:promote -- <email>`: makes an existing account an admin (how the first admin is
 * made; later ones can be promoted with PATCH /admin/users/:id). Takes effect within
 * AUTH_SESSION_CACHE_SECONDS on running servers, as the guard reads the role with the session.
 */
const email = singleEmailArgument(USAGE);
if (email !== undefined) {
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
