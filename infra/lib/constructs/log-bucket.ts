import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

/** Props of {@link LogBucket}. */
export interface LogBucketProps {
  /**
   * Days logs are kept.
   * @default 90
   */
  readonly expirationDays?: number;
}

/**
 * A private bucket for S3 server access logs and load balancer access logs: SSE-S3 (the only
 * encryption ELB log delivery supports), TLS only, all public access blocked, logs expiring.
 */
export class LogBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: LogBucketProps = {}) {
    super(scope, id);
    const days = props.expirationDays ?? 90;
    if (!Number.isInteger(days) || days < 1) throw new Error('expirationDays must be a whole number >= 1');
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireLogs', expiration: Duration.days(days) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.bucket, [
      {
        id: 'AwsSolutions-S1',
        reason: 'This bucket receives access logs; logging it into itself would loop.',
      },
    ]);
  }
}
