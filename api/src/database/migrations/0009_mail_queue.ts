import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';
import { createIndexOnce } from './repeatable-ddl.js';

/**
 * `mail_queue`: every mail the API sends, from the moment it is decided until it is delivered
 * (then deleted) or given up (then deleted and logged). A row holds the rendered message because
 * the queue must not depend on the state that produced it (a reset link's token exists only as a
 * digest). It therefore holds live links and codes at rest, which is why nothing stays once sent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('mail_queue')
    .ifNotExists()
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('to_address', 'varchar(320)', (c) => c.notNull())
    // Not a foreign key: the mail about an erased account may still be on its way.
    .addColumn('user_id', t.id)
    .addColumn('template', 'varchar(64)', (c) => c.notNull())
    .addColumn('subject', 'varchar(200)', (c) => c.notNull())
    .addColumn('text_body', t.text, (c) => c.notNull())
    .addColumn('html_body', t.text, (c) => c.notNull())
    .addColumn('dev_summary', t.text, (c) => c.notNull()) // holds links: PUBLIC_BASE_URL has no length limit
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', t.timestamp, (c) => c.notNull())
    .addColumn('deliver_by', t.timestamp, (c) => c.notNull())
    .addColumn('last_error', 'varchar(500)')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();
  await createIndexOnce(db, 'mail_queue_next_attempt_at_idx', 'mail_queue', ['next_attempt_at']);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mail_queue').execute();
}
