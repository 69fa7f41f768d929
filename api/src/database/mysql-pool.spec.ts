import { describe, expect, it } from 'vitest';
import { sessionSetupStatement } from './mysql-pool.js';

// MariaDB's branch runs against a real server in test/medium/database-limits.test.ts; no MySQL 8
// server runs here, so its branch is checked by the statement it sends.
describe('sessionSetupStatement', () => {
  it('bounds every statement on MariaDB with max_statement_time, in seconds', () => {
    expect(sessionSetupStatement('10.11.19-MariaDB-0+deb12u1', 10_000)).toBe(
      "SET SESSION max_statement_time = 10, innodb_lock_wait_timeout = 10, lock_wait_timeout = 10, tx_isolation = 'READ-COMMITTED', idle_transaction_timeout = 30",
    );
    expect(sessionSetupStatement('11.4.2-MariaDB', 1500)).toBe(
      "SET SESSION max_statement_time = 1.5, innodb_lock_wait_timeout = 2, lock_wait_timeout = 2, tx_isolation = 'READ-COMMITTED', idle_transaction_timeout = 6",
    );
  });

  it('bounds SELECTs on MySQL with max_execution_time, in milliseconds, and row and metadata lock waits in seconds', () => {
    expect(sessionSetupStatement('8.0.39', 10_000)).toBe(
      "SET SESSION max_execution_time = 10000, innodb_lock_wait_timeout = 10, lock_wait_timeout = 10, transaction_isolation = 'READ-COMMITTED'",
    );
    expect(sessionSetupStatement('8.4.2', 100)).toBe(
      "SET SESSION max_execution_time = 100, innodb_lock_wait_timeout = 1, lock_wait_timeout = 1, transaction_isolation = 'READ-COMMITTED'",
    );
  });
});
