import type { Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { MailRepository } from './mail.repository.js';
import { MailService } from './mail.service.js';
import { mailTemplates } from './mail.templates.js';

function setup(send: MailRepository['send']) {
  const logger = { error: vi.fn() };
  const repository = { send: vi.fn(send) };
  const service = new MailService(repository as unknown as MailRepository, logger as unknown as Logger);
  return { service, repository, logger };
}

describe('MailService', () => {
  it('hands the rendered mail to the driver with its recipient', async () => {
    const { service, repository, logger } = setup(async () => {});
    const mail = mailTemplates.passwordChanged();
    await service.send('ada@example.com', mail);
    expect(repository.send).toHaveBeenCalledWith({ to: 'ada@example.com', ...mail });
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('logs a failed send instead of throwing, so answers never depend on delivery', async () => {
    const failure = new Error('SES throttled');
    const { service, logger } = setup(async () => {
      throw failure;
    });
    await expect(service.send('ada@example.com', mailTemplates.passwordChanged())).resolves.toBeUndefined();
    expect(logger.error).toHaveBeenCalledWith(
      { err: failure, subject: 'Your password was changed' },
      'sending mail failed',
    );
  });
});
