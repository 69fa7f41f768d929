import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { Inject, Injectable } from '@nestjs/common';
import { awsRequestHandler } from '../aws/http-limits.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type MailMessage, MailRepository } from './mail.repository.js';

/**
 * Sends with Amazon SES (SESv2 SendEmail). Credentials come from the SDK's default provider chain
 * — the IAM role on Lambda, ECS and EC2 — never from static keys. The SDK is loaded on the first
 * send, so functions that never send mail do not pay for it at cold start.
 */
@Injectable()
export class SesMailRepository extends MailRepository {
  private client:
    | Promise<{
        client: SESv2Client;
        SendEmailCommand: typeof import('@aws-sdk/client-sesv2').SendEmailCommand;
      }>
    | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  async send(message: MailMessage): Promise<void> {
    const { client, SendEmailCommand } = await this.sdk();
    await client.send(
      new SendEmailCommand({
        FromEmailAddress: this.config.mail.from,
        Destination: { ToAddresses: [message.to] },
        Content: {
          Simple: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: message.text, Charset: 'UTF-8' },
              Html: { Data: message.html, Charset: 'UTF-8' },
            },
          },
        },
      }),
      // The whole send, retries included, within the budget: mail is sent while a request waits.
      { abortSignal: AbortSignal.timeout(this.config.mail.sendTimeoutMs) },
    );
  }

  private sdk() {
    this.client ??= import('@aws-sdk/client-sesv2').then(({ SESv2Client, SendEmailCommand }) => ({
      client: new SESv2Client({
        ...(this.config.mail.sesRegion ? { region: this.config.mail.sesRegion } : {}),
        ...(this.config.mail.sesEndpoint ? { endpoint: this.config.mail.sesEndpoint } : {}),
        requestHandler: awsRequestHandler(this.config.mail.sendTimeoutMs),
      }),
      SendEmailCommand,
    }));
    return this.client;
  }
}
