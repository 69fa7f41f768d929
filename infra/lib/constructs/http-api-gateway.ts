import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { assertOrigins } from '../validation.js';

/** Props of {@link HttpApiGateway}. */
export interface HttpApiGatewayProps {
  /** What `$default` proxies to: the API function's alias. */
  readonly handler: lambda.IFunction;
  /**
   * Origins answered by the CORS preflight.
   * @default - no CORS configuration
   */
  readonly corsAllowedOrigins?: readonly string[];
  /**
   * Steady-state requests per second across the stage.
   * @default 200
   */
  readonly rateLimit?: number;
  /**
   * @default 400
   */
  readonly burstLimit?: number;
  /**
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * API Gateway HTTP API in front of the API function (seeds 000 and 001): every route goes to the
 * Lambda proxy integration through `$default`, CORS comes from configuration, and the stage
 * writes JSON access logs to a 30-day log group.
 */
export class HttpApiGateway extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogGroup: logs.LogGroup;
  /** `https://{id}.execute-api.{region}.amazonaws.com/`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: HttpApiGatewayProps) {
    super(scope, id);
    const origins = props.corsAllowedOrigins ?? [];
    assertOrigins(origins);
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: Stack.of(this).stackName,
      description: 'CloudNest API',
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('LambdaProxy', props.handler, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
      corsPreflight:
        origins.length > 0
          ? {
              allowOrigins: [...origins],
              allowMethods: [apigwv2.CorsHttpMethod.ANY],
              // API Gateway answers CORS instead of the app (api/src/app.ts), so the lists match
              // it: the CSRF header of cookie mode, and retry-after readable on rate limits.
              allowHeaders: ['authorization', 'content-type', 'x-api-key', 'x-csrf-token', 'x-request-id'],
              exposeHeaders: ['x-request-id', 'retry-after'],
              allowCredentials: true,
              maxAge: Duration.hours(1),
            }
          : undefined,
    });
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 200, burstLimit: props.burstLimit ?? 400 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    this.url = this.stage.url;
    NagSuppressions.addResourceSuppressions(
      this.api,
      [
        {
          id: 'AwsSolutions-APIG4',
          reason:
            'The API authenticates in the application (JWT bearer tokens, optional X-API-KEY); register, login and health routes must stay reachable without an authorizer.',
        },
      ],
      true,
    );
  }
}
