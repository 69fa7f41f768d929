import { Inject, Injectable } from '@nestjs/common';
import { MailRepository } from './mail.repository.js';
import type { RenderedMail } from './mail.templates.js';

/** Sends rendered templates through whichever driver is configured. */
@Injectable()
export class MailService {
  constructor(@Inject(MailRepository) private readonly mail: MailRepository) {}

  send(to: string, rendered: RenderedMail): Promise<void> {
    return this.mail.send({ to, ...rendered });
  }
}
