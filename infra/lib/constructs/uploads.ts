import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { assertOrigins } from '../validation.js';
import { LogBucket } from './log-bucket.js';

/** Props of {@link Uploads}. */
export interface UploadsProps {
  /**
   * Browser origins allowed to PUT (presigned) and GET objects, e.g. the frontend's origin.
   * @default - no CORS rule: only same-origin and server-side access
   */
  readonly corsAllowedOrigins?: readonly string[];
  /**
   * Key prefixes anyone may read (profile, story and channel images). `uploads/temp/` can never
   * be public.
   * @default ['uploads/users/', 'uploads/stories/', 'uploads/channels/']
   */
  readonly publicReadPrefixes?: readonly string[];
  /**
   * What happens to the bucket when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Prefixes of the key layout `uploads/{users|stories|channels|temp}/{userId}/{uuid}.{ext}`. */
export const UPLOAD_PREFIXES = {
  users: 'uploads/users/',
  stories: 'uploads/stories/',
  channels: 'uploads/channels/',
  temp: 'uploads/temp/',
} as const;

/**
 * The uploads bucket (seed 004): ACLs blocked, a bucket policy granting public read on the image
 * prefixes only, TLS enforced, versioning, `uploads/temp/` and unfinished multipart uploads
 * expiring after a day, and server access logs in a second, fully private bucket.
 */
export class Uploads extends Construct {
  readonly bucket: s3.Bucket;
  /** Server access logs of {@link bucket}. */
  readonly accessLogsBucket: s3.Bucket;
  /** `https://<bucket>.s3.<region>.amazonaws.com`: where public objects are read from. */
  readonly publicBaseUrl: string;

  constructor(scope: Construct, id: string, props: UploadsProps = {}) {
    super(scope, id);
    const publicPrefixes = props.publicReadPrefixes ?? [
      UPLOAD_PREFIXES.users,
      UPLOAD_PREFIXES.stories,
      UPLOAD_PREFIXES.channels,
    ];
    for (const prefix of publicPrefixes) {
      if (!prefix.startsWith('uploads/') || !prefix.endsWith('/') || prefix.includes('*')) {
        throw new Error(`public prefix "${prefix}" must look like uploads/<folder>/ (no wildcards)`);
      }
      if (prefix.startsWith(UPLOAD_PREFIXES.temp))
        throw new Error('uploads/temp/ must never be publicly readable');
    }
    const origins = props.corsAllowedOrigins ?? [];
    assertOrigins(origins);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.accessLogsBucket = new LogBucket(this, 'AccessLogs').bucket;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      // ACLs stay blocked; only the bucket policy below may make objects public.
      blockPublicAccess: new s3.BlockPublicAccess({
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: publicPrefixes.length === 0,
        restrictPublicBuckets: publicPrefixes.length === 0,
      }),
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'uploads/',
      cors:
        origins.length > 0
          ? [
              {
                allowedOrigins: [...origins],
                allowedMethods: [
                  s3.HttpMethods.GET,
                  s3.HttpMethods.HEAD,
                  s3.HttpMethods.PUT,
                  s3.HttpMethods.POST,
                ],
                allowedHeaders: ['*'],
                exposedHeaders: ['ETag'],
                maxAge: 3600,
              },
            ]
          : undefined,
      lifecycleRules: [
        {
          id: 'ExpireTemp',
          prefix: UPLOAD_PREFIXES.temp,
          expiration: Duration.days(1),
          noncurrentVersionExpiration: Duration.days(1),
        },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // One day, not 30: on a versioned bucket the API's DeleteObject only adds a delete marker,
        // so a deleted file's or a purged account's bytes lived on as a noncurrent version for
        // as long as this says, after CloudNest had told the owner they were gone (found in
        // review, 2026-12-07). A day still undoes an operator's slip; the rule keeps its id.
        { id: 'ExpireNoncurrentVersions', noncurrentVersionExpiration: Duration.days(1) },
        { id: 'RemoveExpiredDeleteMarkers', expiredObjectDeleteMarker: true },
      ],
      removalPolicy,
    });

    this.publicBaseUrl = `https://${this.bucket.bucketRegionalDomainName}`;
    if (publicPrefixes.length > 0) {
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'PublicReadImages',
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:GetObject'],
          resources: publicPrefixes.map((prefix) => this.bucket.arnForObjects(`${prefix}*`)),
        }),
      );
      NagSuppressions.addResourceSuppressions(this.bucket, [
        {
          id: 'AwsSolutions-S2',
          reason: `Public read is intended and limited by the bucket policy to ${publicPrefixes.join(', ')}; ACLs stay blocked.`,
        },
      ]);
    }
  }

  /**
   * Lets the API read, write and delete objects under `uploads/` and list the bucket, with
   * explicit actions (CDK's `grantReadWrite` uses `s3:GetObject*`-style wildcards). ListBucket
   * has no prefix condition: without it S3 answers a HEAD of a missing object with 403 instead of
   * 404, which the API's upload completion relies on.
   */
  grantApiAccess(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [this.bucket.arnForObjects('uploads/*')],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
      }),
    );
    if (Construct.isConstruct(grantee.grantPrincipal)) {
      NagSuppressions.addResourceSuppressions(
        grantee.grantPrincipal,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'Object actions are scoped to the uploads/ prefix of the one uploads bucket (keys are user/uuid).',
            appliesTo: [{ regex: '/^Resource::<Uploads[A-Za-z0-9]*\\.Arn>\\/uploads\\/\\*$/' }],
          },
        ],
        true,
      );
    }
  }
}
