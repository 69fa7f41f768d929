import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { connectionsAlarmThreshold, serverPoolSize } from '../concurrency.js';
import type { DatabaseEngine } from '../constructs/database.js';
import { Dns } from '../constructs/dns.js';
import { type INetwork, Network } from '../constructs/network.js';
import { presetAvailabilityZones } from '../presets.js';
import { type DeploymentSettings, domainUrl, siteUrl, validateSettings } from '../settings.js';

/** Props of every CloudNest application stack. */
export interface TopologyStackProps extends StackProps {
  readonly settings: DeploymentSettings;
}

/**
 * Shared base of the application stacks: validates the settings, pins the stack to the preset's
 * region and AZs (so synth never asks AWS for them) and offers the composition steps every
 * topology starts with.
 */
export abstract class TopologyStack extends Stack {
  readonly settings: DeploymentSettings;

  constructor(scope: Construct, id: string, props: TopologyStackProps) {
    validateSettings(props.settings);
    super(scope, id, {
      description: `CloudNest ${props.settings.topology} (${props.settings.preset.name} preset)`,
      ...props,
      env: { account: props.settings.account, region: props.settings.preset.region },
    });
    this.settings = props.settings;
    // Server access logs delivered through a bucket policy, not the legacy LogDeliveryWrite ACL
    // (which would force ACLs back on for the log bucket).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
  }

  /** The preset's AZs: answering here keeps synth from looking them up. */
  override get availabilityZones(): string[] {
    return presetAvailabilityZones(this.settings.preset);
  }

  /** The VPC: the existing one in import mode, else one built from the preset. */
  protected createNetwork(): INetwork {
    const { existingNetwork, preset } = this.settings;
    return existingNetwork
      ? Network.fromExisting(this, 'Network', existingNetwork)
      : new Network(this, 'Network', { layout: preset.network });
  }

  /**
   * The public name, when configured: `dns` (certificate + alias records) with a hosted zone,
   * the certificate to serve (created, or the given `certificateArn`) and the https URL it answers.
   */
  protected createDomain(): { dns?: Dns; certificate?: acm.ICertificate; url?: string } {
    const { domain } = this.settings;
    if (!domain) return {};
    const dns = domain.hostedZoneId
      ? new Dns(this, 'Dns', {
          zoneName: domain.zoneName,
          hostedZoneId: domain.hostedZoneId,
          recordName: domain.recordName,
        })
      : undefined;
    const certificate =
      dns?.certificate ??
      (domain.certificateArn
        ? acm.Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn)
        : undefined);
    return { dns, certificate, url: certificate ? domainUrl(domain) : undefined };
  }

  /** The web app's origin (`PUBLIC_BASE_URL`), when there is one (see {@link siteUrl}). */
  protected get siteUrl(): string | undefined {
    return siteUrl(this.settings);
  }

  /** CORS origins of the API and the uploads bucket: the site's, then `corsAllowedOrigins`. */
  protected corsOrigins(): string[] {
    const site = this.siteUrl;
    return [...new Set([...(site ? [site] : []), ...(this.settings.corsAllowedOrigins ?? [])])];
  }

  /** Database sizing props from the preset. */
  protected databaseSizing() {
    const { database } = this.settings.preset;
    return {
      instanceType: new ec2.InstanceType(database.instanceType),
      multiAz: database.multiAz,
      deletionProtection: database.deletionProtection,
      allocatedStorageGiB: database.allocatedStorageGiB,
      maxAllocatedStorageGiB: database.maxAllocatedStorageGiB,
    };
  }

  /**
   * Alarm thresholds that depend on the preset's database class: connections above 80 % of its
   * estimated `max_connections` (a fixed number would sit above a small class's whole limit).
   */
  /**
   * `DATABASE_POOL_MAX` for servers of which up to `maxProcesses` run at once outside a deploy;
   * doubled for the deploy's overlap before `serverPoolSize` shares the connections out.
   */
  protected serverPoolMax(engine: DatabaseEngine, maxProcesses: number): number {
    return this.sizedByDatabaseClass((instanceType) =>
      serverPoolSize(instanceType, engine, 2 * maxProcesses),
    );
  }

  protected databaseAlarmSizing(engine: DatabaseEngine): { databaseConnectionsThreshold: number } {
    return {
      databaseConnectionsThreshold: this.sizedByDatabaseClass((instanceType) =>
        connectionsAlarmThreshold(instanceType, engine),
      ),
    };
  }

  /** A figure derived from the preset's database class, which `lib/concurrency.ts` must know. */
  private sizedByDatabaseClass(size: (instanceType: string) => number | undefined): number {
    const { instanceType } = this.settings.preset.database;
    const value = size(instanceType);
    if (value === undefined) {
      throw new Error(
        `No max_connections estimate for the database class ${instanceType}: add its size to lib/concurrency.ts`,
      );
    }
    return value;
  }

  /**
   * What becomes of the generated secrets (JWT, MFA and API keys) when the stack deletes or
   * replaces them: retained wherever the database is (its snapshot needs them), deleted only
   * with a disposable preset's database.
   */
  protected get secretRemovalPolicy(): RemovalPolicy {
    return this.settings.preset.database.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  }

  /** Stack outputs, named as the deploy script and seed 000's scripts read them. */
  protected outputs(values: Record<string, string | undefined>): void {
    for (const [name, value] of Object.entries(values)) {
      if (value !== undefined) new CfnOutput(this, name, { value });
    }
  }
}
