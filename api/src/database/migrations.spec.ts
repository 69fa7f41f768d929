import { DummyDriver, Kysely, type Migration, MysqlIntrospector, MysqlQueryCompiler } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDatabase } from './database.factory.js';
import { migrations } from './migrations/index.js';

/**
 * The SQL each migration's `up` sends to MySQL, in order, without a server: a Kysely instance with
 * a driver that answers every query with no rows (so every "does it exist yet?" check says no and
 * each step emits its DDL) and the MySQL compiler. It borrows the adapter of a MySQL database from
 * `createDatabase` (never connected), because `dialectOf`, which the migrations ask, knows
 * databases by their adapter.
 */
async function mysqlStatementsOf(list: Record<string, Migration>): Promise<string[]> {
  const mysql = await createDatabase({ url: 'mysql://unused.invalid/none', dialect: 'mysql' });
  const statements: string[] = [];
  const db = new Kysely<unknown>({
    dialect: {
      createAdapter: () => mysql.getExecutor().adapter,
      createDriver: () => new DummyDriver(),
      createQueryCompiler: () => new MysqlQueryCompiler(),
      createIntrospector: (introspected) => new MysqlIntrospector(introspected),
    },
    log: (event) => {
      statements.push(event.query.sql);
    },
  });
  for (const migration of Object.values(list)) await migration.up(db);
  return statements;
}

/** One REFERENCES clause: the child table and columns, the parent and its columns, its ON actions. */
interface KeyClause {
  readonly table: string;
  readonly columns: string;
  readonly parent: string;
  readonly parentColumns: string;
  readonly actions: string;
}

const describeKey = (key: KeyClause) =>
  `${key.table} (${key.columns}) references ${key.parent} (${key.parentColumns})${key.actions}`;

const identifiers = (list: string) => list.replaceAll('`', '').replace(/\s+/g, '');

/**
 * The column definition that `before` (a statement up to an inline REFERENCES) ends in: back to the
 * `(` or `,` that opens it, stepping over parentheses it holds (`varchar(36)`, `default (uuid())`),
 * without ALTER TABLE's `ADD [COLUMN]`.
 */
function definitionEndingAt(before: string): string {
  let depth = 0;
  let start = 0;
  for (let i = before.length - 1; i >= 0 && start === 0; i--) {
    if (before[i] === ')') depth++;
    else if (before[i] === '(' && depth-- === 0) start = i + 1;
    else if (before[i] === ',' && depth === 0) start = i + 1;
  }
  return before
    .slice(start)
    .replace(/^\s*alter\s+table\s+\S+/i, '')
    .replace(/^\s*add(?:\s+column)?\s/i, '');
}

/**
 * The REFERENCES clauses of a MySQL statement, split into inline column clauses (which MySQL 8
 * ignores) and table-level `FOREIGN KEY (…) REFERENCES` ones (which make a key). Throws on a
 * REFERENCES it cannot attribute, so SQL this reader does not understand fails the test instead of
 * passing it.
 */
function referencesIn(statement: string): { inline: KeyClause[]; tableLevel: KeyClause[] } {
  const inline: KeyClause[] = [];
  const tableLevel: KeyClause[] = [];
  const clauses = [
    ...statement.matchAll(
      /\breferences\s+`?([A-Za-z_]\w*)`?\s*\(([^)]*)\)((?:\s+on\s+(?:delete|update)\s+(?:cascade|set null|set default|restrict|no action))*)/gi,
    ),
  ];
  if (clauses.length === 0) return { inline, tableLevel };
  const table = /^\s*(?:create\s+table(?:\s+if\s+not\s+exists)?|alter\s+table)\s+`?([A-Za-z_]\w*)`?/i.exec(
    statement,
  )?.[1];
  if (table === undefined) throw new Error(`a REFERENCES outside CREATE or ALTER TABLE: ${statement}`);
  for (const clause of clauses) {
    const before = statement.slice(0, clause.index);
    const key = {
      table,
      parent: clause[1] ?? '',
      parentColumns: identifiers(clause[2] ?? ''),
      actions: (clause[3] ?? '').toLowerCase().replace(/\s+/g, ' '),
    };
    const foreignKey = /\bforeign\s+key\s*\(([^)]*)\)\s*$/i.exec(before);
    if (foreignKey) {
      tableLevel.push({ ...key, columns: identifiers(foreignKey[1] ?? '') });
      continue;
    }
    const column = /^\s*`?([A-Za-z_]\w*)`?/.exec(definitionEndingAt(before))?.[1];
    if (column === undefined) throw new Error(`a REFERENCES of no column: ${statement}`);
    inline.push({ ...key, columns: column });
  }
  return { inline, tableLevel };
}

/**
 * The inline keys of the statements that no table-level key, in the same statement or a later one,
 * adds again with the same columns, parent and actions: on MySQL 8 those keys do not exist.
 */
function inlineKeysMissingOnMysql8(statements: readonly string[]): string[] {
  const parsed = statements.map(referencesIn);
  return parsed.flatMap(({ inline }, index) =>
    inline
      .map(describeKey)
      .filter(
        (wanted) =>
          !parsed
            .slice(index)
            .some(({ tableLevel }) => tableLevel.some((added) => describeKey(added) === wanted)),
      ),
  );
}

/**
 * MySQL 8 (InnoDB) parses a column's inline `REFERENCES … ON DELETE CASCADE` and ignores it; only
 * a table-level FOREIGN KEY makes a key. MariaDB, which CI runs, makes both, so a key declared
 * inline alone is missing on MySQL 8 (the ec2-alb topology's engine) without any test noticing
 * there. Migration 0011 adds 0002–0007's keys; a later migration declaring a key with
 * `.references()` must add it the same way (table-level, `addForeignKeyConstraint`) or this fails.
 */
describe('migrations compiled for MySQL', () => {
  it('add every key declared inline again as a table-level foreign key', async () => {
    expect(inlineKeysMissingOnMysql8(await mysqlStatementsOf(migrations))).toEqual([]);
  });

  it('would leave the inline keys of 0002–0007 missing without 0011 (what this test catches)', async () => {
    const before0011 = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0011'));
    expect(inlineKeysMissingOnMysql8(await mysqlStatementsOf(before0011))).toEqual([
      'sessions (user_id) references users (id) on delete cascade',
      'refresh_tokens (session_id) references sessions (id) on delete cascade',
      'one_time_tokens (user_id) references users (id) on delete cascade',
      'api_keys (user_id) references users (id) on delete cascade',
      'files (user_id) references users (id) on delete cascade',
      'totp_credentials (user_id) references users (id) on delete cascade',
      'mfa_recovery_codes (user_id) references users (id) on delete cascade',
      'passkeys (user_id) references users (id) on delete cascade',
      'security_events (user_id) references users (id) on delete cascade',
    ]);
  });

  it('counts a table-level key only with the same actions, and one in the same CREATE TABLE; reads raw SQL', () => {
    const create =
      'create table `a` (`id` varchar(36) primary key, `b_id` varchar(36) not null references `b` (`id`) on delete cascade';
    expect(
      inlineKeysMissingOnMysql8([
        `${create})`,
        'alter table `a` add constraint `fk_a_b_id` foreign key (`b_id`) references `b` (`id`) on delete set null',
      ]),
    ).toEqual(['a (b_id) references b (id) on delete cascade']);
    expect(
      inlineKeysMissingOnMysql8([
        `${create}, constraint \`fk_a_b_id\` foreign key (\`b_id\`) references \`b\` (\`id\`) on delete cascade)`,
      ]),
    ).toEqual([]);
    // Raw SQL, unquoted, is read too.
    expect(
      inlineKeysMissingOnMysql8([
        'CREATE TABLE a (id varchar(36), b_id varchar(36) DEFAULT (uuid()) REFERENCES b (id))',
        'ALTER TABLE a ADD c_id varchar(36), ADD COLUMN d_id varchar(36) REFERENCES d (id)',
      ]),
    ).toEqual(['a (b_id) references b (id)', 'a (d_id) references d (id)']);
    expect(() => referencesIn('update `a` set `x` = 1 -- references `b` (`id`)')).toThrow(/outside/);
  });
});
