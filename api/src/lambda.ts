import type { Context } from 'aws-lambda';
import { createApp } from './app.js';
import { SecretsRepository } from './aws/secrets.repository.js';
import { configFromProcessEnvironment } from './config/environment.js';
import { remoteConnection } from './database/database-connection.js';
import { type MaintenanceReport, MaintenanceService } from './jobs/maintenance.service.js';
import { createLambdaProxy, type LambdaHttpEvent, type LambdaHttpResponse } from './lambda/lambda-proxy.js';
import { type MailDeliveryReport, MailService } from './mail/mail.service.js';

// Everything below runs once per execution environment (Lambda's Init phase); invocations only
// call `handler`. Init does no network I/O: the pool connects on the first query, and the
// database secret (if any) is only prefetched, never awaited.
const config = configFromProcessEnvironment({ NODE_ENV: 'production' });
const secrets = new SecretsRepository({ signing: config.awsSigning });
const connection = remoteConnection(config, secrets);
if (connection === undefined) {
  throw new Error('Set DATABASE_URL or DATABASE_SECRET_ARN: the Lambda handler has no embedded database.');
}
if (config.database.kind === 'secret') secrets.prefetch(config.database.secretArn);
// One request at a time per execution environment, so one connection is all it can use. HEAD
// requests are answered by the proxy (a GET without the body), so no HEAD twin routes.
const app = await createApp({ config, database: { ...connection, poolMax: 1 }, headRoutes: false });
const proxy = await createLambdaProxy(app.getHttpAdapter().getInstance());

/** An EventBridge scheduled event: infra's hourly rule sends one to run the maintenance job. */
export interface ScheduledEvent {
  readonly source: 'aws.events';
  readonly 'detail-type': 'Scheduled Event';
}

/** Infra's per-minute rule sends this (a constant input) to retry the mail that failed. */
export interface MailDeliveryEvent {
  readonly job: 'deliver-mail';
}

/**
 * What a maintenance run leaves of its invocation's time after its deadline: room for a unit of
 * work that outran its allowance (`MaintenanceService`) and for returning the report. A run cut
 * off by the timeout instead fails; Lambda retries it twice from its first step, and then it lands
 * in the failed-runs queue, with its alarm (found in review, 2026-12-07: with a backlog this
 * happened every hour and the later steps never ran).
 */
const MAINTENANCE_MARGIN_MS = 3_000;

function isScheduledEvent(event: unknown): event is ScheduledEvent {
  const candidate = event as Partial<Record<string, unknown>> | null;
  return candidate?.source === 'aws.events' && candidate['detail-type'] === 'Scheduled Event';
}

function isMailDeliveryEvent(event: unknown): event is MailDeliveryEvent {
  return (event as Partial<Record<string, unknown>> | null)?.job === 'deliver-mail';
}

/**
 * The API's Lambda entrypoint for API Gateway REST (payload 1.0), HTTP API (2.0) and ALB events,
 * over the same `createApp()` as the HTTP server. A scheduled event runs one maintenance pass
 * (account purge, expired uploads) instead, and a mail delivery event one pass over the mail
 * queue: a function has no long-lived process to run the server's in-process intervals.
 */
export function handler(event: LambdaHttpEvent, context: Context): Promise<LambdaHttpResponse>;
export function handler(event: ScheduledEvent, context: Context): Promise<MaintenanceReport>;
export function handler(event: MailDeliveryEvent, context: Context): Promise<MailDeliveryReport>;
export function handler(
  event: LambdaHttpEvent | ScheduledEvent | MailDeliveryEvent,
  context: Context,
): Promise<LambdaHttpResponse | MaintenanceReport | MailDeliveryReport> {
  if (isScheduledEvent(event))
    return app
      .get(MaintenanceService)
      .runOnce(Date.now() + context.getRemainingTimeInMillis() - MAINTENANCE_MARGIN_MS);
  // The pass ends in time for the invocation's own timeout (an attempt cut off there could be sent twice).
  if (isMailDeliveryEvent(event))
    return app.get(MailService).deliverDue(Date.now() + context.getRemainingTimeInMillis());
  return proxy(event, context);
}
