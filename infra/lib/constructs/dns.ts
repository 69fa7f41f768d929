import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

/** Props of {@link Dns}. */
export interface DnsProps {
  /** Zone apex, e.g. `example.com`. */
  readonly zoneName: string;
  /** Id of the existing public hosted zone (`Z…`); given, so nothing is looked up. */
  readonly hostedZoneId: string;
  /**
   * Name under the zone for the API (`api` → `api.example.com`).
   * @default - the zone apex
   */
  readonly recordName?: string;
}

/**
 * Names the public entry point (seed 004's Route 53 record): a DNS-validated ACM certificate for
 * the name, and alias records pointing it at a load balancer.
 */
export class Dns extends Construct {
  readonly zone: route53.IHostedZone;
  /** Fully qualified name served, e.g. `api.example.com`. */
  readonly domainName: string;
  readonly certificate: acm.Certificate;

  constructor(scope: Construct, id: string, props: DnsProps) {
    super(scope, id);
    const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
    const zoneName = props.zoneName.replace(/\.$/, '').toLowerCase();
    if (!zoneName.split('.').every((part) => label.test(part)) || !zoneName.includes('.')) {
      throw new Error(`"${props.zoneName}" is not a DNS zone name`);
    }
    if (!/^Z[A-Z0-9]{1,31}$/.test(props.hostedZoneId)) {
      throw new Error(`"${props.hostedZoneId}" is not a Route 53 hosted zone id (Z…)`);
    }
    if (props.recordName !== undefined && !props.recordName.split('.').every((part) => label.test(part))) {
      throw new Error(`"${props.recordName}" is not a DNS record name`);
    }
    this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: props.hostedZoneId,
      zoneName,
    });
    this.domainName = props.recordName ? `${props.recordName}.${zoneName}` : zoneName;
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: this.domainName,
      validation: acm.CertificateValidation.fromDns(this.zone),
    });
  }

  /** Points the name at a target (IPv4 alias record). */
  addAlias(id: string, target: route53.RecordTarget): route53.ARecord {
    return new route53.ARecord(this, id, {
      zone: this.zone,
      recordName: this.domainName,
      target,
    });
  }
}
