import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger.module.js';
import { MailRepository } from './mail.repository.js';
import type { MailTemplates, RenderedMail } from './mail.templates.js';

/** The name of one of the API's mails (`passwordChanged`, `signInCode`, …). */
export type MailTemplateName = keyof MailTemplates;

/** What the template `T` is rendered from. */
export type MailTemplateArguments<T extends MailTemplateName> = Parameters<MailTemplates[T]>;

/** Renders a template and sends it through whichever driver is configured. */
@Injectable()
export class MailService {
  // The templates are imported on the first send, not with the services that name them: most
  // requests send no mail, and a Lambda's Init should not compile them (docs/lambda.md).
  private templates?: Promise<MailTemplates>;

  constructor(
    @Inject(MailRepository) private readonly mail: MailRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Never throws: a failed render or send is logged, not surfaced, so no answer reveals or depends
   * on delivery (an account-neutral 202 must not turn into a 500 for existing accounts only).
   */
  async send<T extends MailTemplateName>(
    to: string,
    template: T,
    ...args: MailTemplateArguments<T>
  ): Promise<void> {
    try {
      const rendered = await this.render(template, args);
      await this.mail.send({ to, ...rendered });
    } catch (error) {
      this.logger.error({ err: error, template }, 'sending mail failed');
    }
  }

  private async render<T extends MailTemplateName>(
    template: T,
    args: MailTemplateArguments<T>,
  ): Promise<RenderedMail> {
    this.templates ??= import('./mail.templates.js').then(
      (module) => module.mailTemplates,
      (error: unknown) => {
        this.templates = undefined; // a failed load (a missing chunk) is retried by the next send
        throw error;
      },
    );
    const render = (await this.templates)[template] as (...values: MailTemplateArguments<T>) => RenderedMail;
    return render(...args);
  }
}
