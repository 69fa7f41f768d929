import type { NetworkLayout, SubnetSpec } from './constructs/network.js';
import { layoutProblems } from './constructs/network.js';

/** The four deployment shapes of the seeds. */
export const TOPOLOGIES = ['lambda-vpc', 'lambda-image', 'fargate', 'ec2-alb'] as const;
/** One of {@link TOPOLOGIES}. */
export type Topology = (typeof TOPOLOGIES)[number];

/** Names of the built-in presets. */
export const PRESET_NAMES = ['nest-vpc', 'autonote', 'seoul', 'dev', 'prod'] as const;
/** One of {@link PRESET_NAMES}. */
export type PresetName = (typeof PRESET_NAMES)[number];

/** Database sizing and protection of a preset. */
export interface DatabaseSizing {
  /** EC2-style instance type without the `db.` prefix, e.g. `t4g.micro`. */
  readonly instanceType: string;
  readonly multiAz: boolean;
  /**
   * Deletion protection, and a final snapshot when the stack deletes or replaces the instance.
   * Off only for a disposable preset (dev): its data and secrets are deleted with the stack.
   */
  readonly deletionProtection: boolean;
  readonly allocatedStorageGiB: number;
  /** Upper bound for storage autoscaling. */
  readonly maxAllocatedStorageGiB: number;
}

/** Compute sizing of a preset, per topology. */
export interface ComputeSizing {
  /** Lambda memory (MB) for `lambda-vpc` and `lambda-image`. */
  readonly lambdaMemoryMiB: number;
  /** Lambda timeout (s). */
  readonly lambdaTimeoutSeconds: number;
  /** Fargate task CPU units. */
  readonly fargateCpu: number;
  /** Fargate task memory (MiB). */
  readonly fargateMemoryMiB: number;
  /** Running Fargate tasks (and the autoscaling minimum). */
  readonly fargateDesiredCount: number;
  readonly fargateMaxCount: number;
  /** EC2 instance type of both `ec2-alb` Auto Scaling groups. */
  readonly ec2InstanceType: string;
  readonly ec2MinCapacity: number;
  readonly ec2MaxCapacity: number;
}

/** A named, reviewed set of choices: region, network and sizing. */
export interface Preset {
  readonly name: PresetName;
  /** One line for `--help` and the README. */
  readonly description: string;
  /** Region the preset was designed for; `--region` can move it (AZ letters are kept). */
  readonly region: string;
  readonly network: NetworkLayout;
  /** Topologies this preset is designed and tested for. Others are refused. */
  readonly topologies: readonly Topology[];
  readonly database: DatabaseSizing;
  readonly compute: ComputeSizing;
  /** `AUTH_REQUIRE_EMAIL_VERIFICATION` for the API. */
  readonly requireEmailVerification: boolean;
  /** `LOG_LEVEL` for the API. */
  readonly logLevel: 'debug' | 'info' | 'warn';
}

const subnets = (region: string, entries: readonly [cidr: string, azLetter: string][]): SubnetSpec[] =>
  entries.map(([cidr, letter]) => ({ cidr, availabilityZone: `${region}${letter}` }));

// Protected like every database that holds real accounts; only dev opts out (it is torn down).
const SMALL_DATABASE: DatabaseSizing = {
  instanceType: 't4g.micro',
  multiAz: false,
  deletionProtection: true,
  allocatedStorageGiB: 20,
  maxAllocatedStorageGiB: 50,
};

const SMALL_COMPUTE: ComputeSizing = {
  lambdaMemoryMiB: 1024,
  lambdaTimeoutSeconds: 30,
  fargateCpu: 256,
  fargateMemoryMiB: 512,
  fargateDesiredCount: 1,
  fargateMaxCount: 2,
  ec2InstanceType: 't4g.micro',
  ec2MinCapacity: 1,
  ec2MaxCapacity: 2,
};

const PRESETS: Record<PresetName, Preset> = {
  // Seed 000: nest-vpc, 10.0.0.0/24 in Sydney, one public /28 and three private /28s. The seed
  // does not say where its RDS lives; a DB subnet group needs two AZs and the database must not
  // share a route to the NAT, so three isolated /28s are added in the free part of the /24.
  'nest-vpc': {
    name: 'nest-vpc',
    description: 'Seed 000: 10.0.0.0/24, one public /28 + three private /28 (+ isolated DB /28s), Sydney',
    region: 'ap-southeast-2',
    network: {
      vpcCidr: '10.0.0.0/24',
      publicSubnets: subnets('ap-southeast-2', [['10.0.0.0/28', 'a']]),
      privateSubnets: subnets('ap-southeast-2', [
        ['10.0.0.16/28', 'a'],
        ['10.0.0.32/28', 'b'],
        ['10.0.0.48/28', 'c'],
      ]),
      isolatedSubnets: subnets('ap-southeast-2', [
        ['10.0.0.64/28', 'a'],
        ['10.0.0.80/28', 'b'],
        ['10.0.0.96/28', 'c'],
      ]),
      natGateways: 1,
    },
    topologies: ['lambda-vpc', 'lambda-image'],
    database: SMALL_DATABASE,
    compute: SMALL_COMPUTE,
    requireEmailVerification: true,
    logLevel: 'info',
  },
  // Seed 002: AutoNote. The seed ran the task in a public subnet with a public IP; the safe form
  // puts tasks in the private subnets, which therefore get a NAT, and adds isolated DB subnets.
  autonote: {
    name: 'autonote',
    description:
      'Seed 002: 10.0.0.0/16, public 10.0.1-2.0/24, private 10.0.101-102.0/24 (+ isolated DB /24s)',
    region: 'us-east-1',
    network: {
      vpcCidr: '10.0.0.0/16',
      publicSubnets: subnets('us-east-1', [
        ['10.0.1.0/24', 'a'],
        ['10.0.2.0/24', 'b'],
      ]),
      privateSubnets: subnets('us-east-1', [
        ['10.0.101.0/24', 'a'],
        ['10.0.102.0/24', 'b'],
      ]),
      isolatedSubnets: subnets('us-east-1', [
        ['10.0.201.0/24', 'a'],
        ['10.0.202.0/24', 'b'],
      ]),
      natGateways: 1,
    },
    topologies: ['fargate'],
    database: SMALL_DATABASE,
    compute: { ...SMALL_COMPUTE, fargateCpu: 512, fargateMemoryMiB: 1024, fargateMaxCount: 4 },
    // Seed 002 says nothing of sign-up; a production API that answers a taken address with 409
    // EMAIL_TAKEN tells anyone who has an account (it was off "for seed compatibility" until
    // 2026-12-07, found in review). Its mail goes out through SES, so confirmations arrive.
    requireEmailVerification: true,
    logLevel: 'info',
  },
  // Seed 004: Seoul, two AZs (2a, 2c), 10.0.1-4.0/24. Instances move from the seed's public
  // subnets to the private ones (egress through the NAT the seed already had).
  seoul: {
    name: 'seoul',
    description: 'Seed 004: 10.0.0.0/16, public 10.0.1-2.0/24, private 10.0.3-4.0/24, Seoul (2a, 2c)',
    region: 'ap-northeast-2',
    network: {
      vpcCidr: '10.0.0.0/16',
      publicSubnets: subnets('ap-northeast-2', [
        ['10.0.1.0/24', 'a'],
        ['10.0.2.0/24', 'c'],
      ]),
      privateSubnets: subnets('ap-northeast-2', [
        ['10.0.3.0/24', 'a'],
        ['10.0.4.0/24', 'c'],
      ]),
      natGateways: 1,
    },
    topologies: ['ec2-alb'],
    database: {
      instanceType: 't4g.small',
      multiAz: true,
      deletionProtection: true,
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 100,
    },
    compute: { ...SMALL_COMPUTE, ec2InstanceType: 't4g.small', ec2MaxCapacity: 3 },
    requireEmailVerification: true,
    logLevel: 'info',
  },
  dev: {
    name: 'dev',
    description: 'Any topology, smallest sizes, one NAT, single-AZ database, no deletion protection',
    region: 'us-east-1',
    network: {
      vpcCidr: '10.10.0.0/16',
      publicSubnets: subnets('us-east-1', [
        ['10.10.0.0/24', 'a'],
        ['10.10.1.0/24', 'b'],
      ]),
      privateSubnets: subnets('us-east-1', [
        ['10.10.16.0/20', 'a'],
        ['10.10.32.0/20', 'b'],
      ]),
      isolatedSubnets: subnets('us-east-1', [
        ['10.10.128.0/24', 'a'],
        ['10.10.129.0/24', 'b'],
      ]),
      natGateways: 1,
    },
    topologies: TOPOLOGIES,
    // The one disposable preset: its stacks are deleted and recreated, and protection would block that.
    database: { ...SMALL_DATABASE, deletionProtection: false },
    compute: { ...SMALL_COMPUTE, lambdaMemoryMiB: 512 },
    requireEmailVerification: false,
    logLevel: 'debug',
  },
  prod: {
    name: 'prod',
    description: 'Any topology, three AZs, a NAT per AZ, Multi-AZ database, deletion protection',
    region: 'us-east-1',
    network: {
      vpcCidr: '10.20.0.0/16',
      publicSubnets: subnets('us-east-1', [
        ['10.20.0.0/24', 'a'],
        ['10.20.1.0/24', 'b'],
        ['10.20.2.0/24', 'c'],
      ]),
      privateSubnets: subnets('us-east-1', [
        ['10.20.16.0/20', 'a'],
        ['10.20.32.0/20', 'b'],
        ['10.20.48.0/20', 'c'],
      ]),
      isolatedSubnets: subnets('us-east-1', [
        ['10.20.128.0/24', 'a'],
        ['10.20.129.0/24', 'b'],
        ['10.20.130.0/24', 'c'],
      ]),
      natGateways: 3,
    },
    topologies: TOPOLOGIES,
    database: {
      instanceType: 't4g.medium',
      multiAz: true,
      deletionProtection: true,
      allocatedStorageGiB: 50,
      maxAllocatedStorageGiB: 500,
    },
    compute: {
      lambdaMemoryMiB: 1024,
      lambdaTimeoutSeconds: 30,
      fargateCpu: 1024,
      fargateMemoryMiB: 2048,
      fargateDesiredCount: 2,
      fargateMaxCount: 10,
      ec2InstanceType: 't4g.small',
      ec2MinCapacity: 2,
      ec2MaxCapacity: 6,
    },
    requireEmailVerification: true,
    logLevel: 'info',
  },
};

/** True when `name` is a built-in preset. */
export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** True when `name` is a topology. */
export function isTopology(name: string): name is Topology {
  return (TOPOLOGIES as readonly string[]).includes(name);
}

/** Options for {@link resolvePreset}. */
export interface ResolvePresetOptions {
  /**
   * Deploy the preset to another region. AZ names keep their letter (`ap-southeast-2b` becomes
   * `eu-west-1b`); check that the target region has those letters.
   * @default - the preset's own region
   */
  readonly region?: string;
}

/**
 * Returns a built-in preset, optionally moved to another region. Throws on unknown names and
 * on presets whose network is invalid.
 */
export function resolvePreset(name: string, options: ResolvePresetOptions = {}): Preset {
  if (!isPresetName(name))
    throw new Error(`Unknown preset "${name}". Known presets: ${PRESET_NAMES.join(', ')}`);
  const preset = PRESETS[name];
  const region = options.region ?? preset.region;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`"${region}" is not an AWS region name`);
  const move = (specs: readonly SubnetSpec[] = []): SubnetSpec[] =>
    specs.map((s) => ({
      cidr: s.cidr,
      availabilityZone: `${region}${s.availabilityZone.slice(preset.region.length)}`,
    }));
  const resolved: Preset = {
    ...preset,
    region,
    network: {
      ...preset.network,
      publicSubnets: move(preset.network.publicSubnets),
      privateSubnets: move(preset.network.privateSubnets),
      isolatedSubnets: move(preset.network.isolatedSubnets),
    },
  };
  const problems = layoutProblems(resolved.network);
  if (problems.length > 0)
    throw new Error(`Preset "${name}" has an invalid network:\n  - ${problems.join('\n  - ')}`);
  return resolved;
}

/** Every topology × preset pair the presets are designed for: what `npm run synth` writes. */
export function supportedCombinations(): { topology: Topology; preset: PresetName }[] {
  return PRESET_NAMES.flatMap((preset) =>
    PRESETS[preset].topologies.map((topology) => ({ topology, preset })),
  );
}

/** The availability zones a preset's subnets use, in first-use order. */
export function presetAvailabilityZones(preset: Preset): string[] {
  const { publicSubnets, privateSubnets, isolatedSubnets = [] } = preset.network;
  return [
    ...new Set([...publicSubnets, ...privateSubnets, ...isolatedSubnets].map((s) => s.availabilityZone)),
  ];
}
