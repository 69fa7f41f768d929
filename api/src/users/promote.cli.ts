import { ConfigError } from '../config/app-config.js';
import { configFromProcessEnvironment } from '../config/environment.js';
import { createDatabase } from '../database/database.factory.js';
import { resolveDatabase } from '../database/database-target.js';
import { UsersRepository } from './users.repository.js';

const USAGE = 'Usage: npm run user:promote -- <email>';

/**
 * `npm run user:promote -- <email>`: makes an existing account an admin (how the first admin is
 * made; later ones can be promoted with PATCH /admin/users/:id). Takes effect within
 * AUTH_SESSION_CACHE_SECONDS on running servers, as the guard reads the role with the session.
 */
async function run(email: string | undefined): Promise<number> {
  if (email === undefined || !email.includes('@')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = configFromProcessEnvironment();
  const database = await resolveDatabase(config, (message) => process.stderr.write(`${message}\n`));
  const db = await createDatabase({ ...database.connection, poolMax: 1 });
  try {
    const users = new UsersRepository(db);
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
  } finally {
    await db.destroy();
    await database.release();
  }
}

try {
  process.exitCode = await run(process.argv[2]);
} catch (error) {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : `Promotion failed: ${(error as Error).message}`}\n`,
  );
  process.exitCode = 1;
}
