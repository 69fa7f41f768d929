import type { Migration } from 'kysely';
import * as m0001 from './0001_users.js';
import * as m0002 from './0002_auth.js';
import * as m0003 from './0003_files.js';
import * as m0004 from './0004_two_step_sign_in.js';
import * as m0005 from './0005_passkeys.js';
import * as m0006 from './0006_session_sign_in_method.js';
import * as m0007 from './0007_security_events.js';
import * as m0008 from './0008_housekeeping_indexes.js';
import * as m0009 from './0009_mail_queue.js';
import * as m0010 from './0010_pending_registrations.js';
import * as m0011 from './0011_mysql_foreign_keys.js';
import * as m0012 from './0012_lookup_indexes.js';

/**
 * Every migration, imported explicitly (no directory scanning) so a bundler includes them.
 * Names sort in application order; never rename one that has shipped or change the schema it makes
 * (making its steps repeatable, as in 2026-12, changes no schema).
 */
export const migrations: Record<string, Migration> = {
  '0001_users': m0001,
  '0002_auth': m0002,
  '0003_files': m0003,
  '0004_two_step_sign_in': m0004,
  '0005_passkeys': m0005,
  '0006_session_sign_in_method': m0006,
  '0007_security_events': m0007,
  '0008_housekeeping_indexes': m0008,
  '0009_mail_queue': m0009,
  '0010_pending_registrations': m0010,
  '0011_mysql_foreign_keys': m0011,
  '0012_lookup_indexes': m0012,
};
