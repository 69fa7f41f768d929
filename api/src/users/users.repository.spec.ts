import { describe, expect, it } from 'vitest';
import { uniqueViolationField } from './users.repository.js';

function databaseError(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code }, extra);
}

describe('uniqueViolationField', () => {
  it("reads PostgreSQL's constraint name", () => {
    const violation = (constraint: string) =>
      databaseError('23505', 'duplicate key value violates unique constraint', { constraint });
    expect(uniqueViolationField(violation('users_email_key'))).toBe('email');
    expect(uniqueViolationField(violation('users_username_key'))).toBe('username');
    expect(uniqueViolationField(violation('files_storage_key_key'))).toBeUndefined();
  });

  it("reads MySQL's and MariaDB's key name, never the duplicate value the message quotes", () => {
    const violation = (value: string, key: string) =>
      databaseError('ER_DUP_ENTRY', `Duplicate entry '${value}' for key '${key}'`);
    expect(uniqueViolationField(violation('emailer123', 'users.username'))).toBe('username');
    expect(uniqueViolationField(violation('emailer123', 'username'))).toBe('username');
    expect(uniqueViolationField(violation('username@example.com', 'users.email'))).toBe('email');
    expect(uniqueViolationField(violation('username@example.com', 'email'))).toBe('email');
    expect(uniqueViolationField(violation("it's-email", 'PRIMARY'))).toBeUndefined();
  });

  it('ignores errors that are not unique violations', () => {
    expect(uniqueViolationField(databaseError('23503', 'users_email_key'))).toBeUndefined();
    expect(uniqueViolationField('users_email_key')).toBeUndefined();
  });
});
