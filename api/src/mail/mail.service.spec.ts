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
  it('renders the named template with its arguments and hands it to the driver with its recipient', async () => {
    const { service, repository, logger } = setup(async () => {});
    await service.send('ada@example.com', 'accountLocked', 30, 'https://app.example.com/forgot-password');
    expect(repository.send).toHaveBeenCalledWith({
      to: 'ada@example.com',
      ...mailTemplates.accountLocked(30, 'https://app.example.com/forgot-password'),
    });
    expect(repository.send.mock.calls[0]?.[0].text).toContain('30 minutes');
    // Every later send reuses the loaded templates.
    await service.send('bob@example.com', 'passwordChanged');
    expect(repository.send).toHaveBeenLastCalledWith({
      to: 'bob@example.com',
      ...mailTemplates.passwordChanged(),
    });
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('logs a failed send instead of throwing, so answers never depend on delivery', async () => {
    const failure = new Error('SES throttled');
    const { service, logger } = setup(async () => {
      throw failure;
    });
    await expect(service.send('ada@example.com', 'passwordChanged')).resolves.toBeUndefined();
    expect(logger.error).toHaveBeenCalledWith(
      { err: failure, template: 'passwordChanged' },
      'sending mail failed',
    );
  });

  it('logs a template that cannot render the same way, and sends nothing', async () => {
    const { service, repository, logger } = setup(async () => {});
    const broken = vi.spyOn(mailTemplates, 'passwordChanged').mockImplementation(() => {
      throw new TypeError('render failed');
    });
    try {
      await expect(service.send('ada@example.com', 'passwordChanged')).resolves.toBeUndefined();
    } finally {
      broken.mockRestore();
    }
    expect(repository.send).not.toHaveBeenCalled();
    expect(logger.error).toHaveBeenCalledWith(
      { err: expect.any(TypeError), template: 'passwordChanged' },
      'sending mail failed',
    );
  });
});
