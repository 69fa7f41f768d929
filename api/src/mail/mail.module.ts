import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { DevOutboxController } from './dev-outbox.controller.js';
import { MailRepository } from './mail.repository.js';
import { MailService } from './mail.service.js';
import { MailQueueRepository } from './mail-queue.repository.js';
import { OutboxMailRepository } from './outbox-mail.repository.js';
import { SesMailRepository } from './ses-mail.repository.js';

/** Mail with the driver chosen by MAIL_DRIVER; `GET /dev/outbox` only in development. */
@Global()
@Module({})
export class MailModule {
  static forRoot(config: AppConfig): DynamicModule {
    const driver = config.mail.driver === 'ses' ? SesMailRepository : OutboxMailRepository;
    return {
      module: MailModule,
      controllers: config.env === 'development' ? [DevOutboxController] : [],
      providers: [
        OutboxMailRepository,
        SesMailRepository,
        { provide: MailRepository, useExisting: driver },
        MailQueueRepository,
        MailService,
      ],
      exports: [MailService, OutboxMailRepository],
    };
  }
}
