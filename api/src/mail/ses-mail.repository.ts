import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { Inject, Injectable } from '@nestjs/common';
import { awsRequestHandler } from '../aws/http-limits.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type MailMessage, MailRejectedError, MailRepository } from './mail.repository.js';

/**
 * SES answers that no retry of the same message can change (SESv2 SendEmail's documented errors):
 * the content or a recipient was rejected, the sender is not verified, the request is malformed.
 * Throttling, a paused or suspended account (an operator can lift both) and server faults may pass.
 */
const REFUSED_FOR_GOOD = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'BadRequestException',
  'NotFoundException',
]);

/**
 * Sends with Amazon SES (SESv2 SendEmail), one attempt per call: the mail queue retries with its
 * own backoff (MailService), so the SDK's retries would only stretch the request that waits. Credentials come from the SDK's default provider chain
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
    const command = new SendEmailCommand({
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
    });
    try {
      // Within the budget: the first attempt runs while a request waits.
      await client.send(command, { abortSignal: AbortSignal.timeout(this.config.mail.sendTimeoutMs) });
    } catch (error) {
      if (error instanceof Error && REFUSED_FOR_GOOD.has(error.name)) {
        throw new MailRejectedError(`SES refused the message: ${error.name}`, { cause: error });
      }
      throw error;
    }
  }

  private sdk() {
    this.client ??= import('@aws-sdk/client-sesv2').then(({ SESv2Client, SendEmailCommand }) => ({
      client: new SESv2Client({
        ...(this.config.mail.sesRegion ? { region: this.config.mail.sesRegion } : {}),
        ...(this.config.mail.sesEndpoint ? { endpoint: this.config.mail.sesEndpoint } : {}),
        requestHandler: awsRequestHandler(this.config.mail.sendTimeoutMs),
        maxAttempts: 1,
      }),
      SendEmailCommand,
    }));
    return this.client;
  }
}
