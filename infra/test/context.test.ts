import { describe, expect, it } from 'vitest';
import { API_ARTIFACTS, missingArtifacts, settingsFromLookup, WEB_ARTIFACT } from '../bin/context.js';
import { PRESET_NAMES, resolvePreset } from '../lib/presets.js';
import { settingsProblems } from '../lib/settings.js';

const lookupFrom = (values: Record<string, string>) => (key: string) => values[key];
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

describe('settings from CDK context', () => {
  it('reads topology, preset, region and lists', () => {
    const settings = settingsFromLookup(
      lookupFrom({
        topology: 'fargate',
        preset: 'autonote',
        region: 'eu-west-1',
        imageTag: 'abc123',
        corsOrigins: 'https://a.example.com, https://b.example.com',
        fargatePublicIp: 'true',
        siteUrl: 'https://app.example.com',
      }),
      { account: '123456789012' },
    );
    expect(settings).toMatchObject({
      topology: 'fargate',
      account: '123456789012',
      imageTag: 'abc123',
      corsAllowedOrigins: ['https://a.example.com', 'https://b.example.com'],
      fargatePublicIp: true,
      siteUrl: 'https://app.example.com',
      apiCodePath: API_ARTIFACTS.api,
      migrateCodePath: API_ARTIFACTS.migrate,
    });
    expect(settings.preset.region).toBe('eu-west-1');
    expect(settings.preset.network.publicSubnets[0]?.availabilityZone).toBe('eu-west-1a');
  });

  it('builds import mode from seed 000’s parameters', () => {
    const settings = settingsFromLookup(
      lookupFrom({
        topology: 'lambda-vpc',
        preset: 'nest-vpc',
        vpcId: 'vpc-00b91951c36f803c6',
        privateSubnetIds: 'subnet-0252fa717f4638268,subnet-05b32a038870ee48f',
        availabilityZones: 'ap-southeast-2a,ap-southeast-2b',
        dbSecurityGroupId: 'sg-0fc391d30ffe29141',
        dbSecretArn: 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:db-AbCdEf',
        // nest-vpc requires email verification, so it needs a sender and the web app's origin.
        mailFrom: 'no-reply@example.com',
        siteUrl: 'https://app.example.com',
      }),
    );
    expect(settings.existingNetwork?.privateSubnetIds).toHaveLength(2);
    expect(settings.existingDatabase).toMatchObject({
      securityGroupId: 'sg-0fc391d30ffe29141',
      engine: 'postgres',
    });
    expect(settingsProblems(settings)).toEqual([]);
  });

  it('fails when topology or preset is missing, or a flag is not boolean', () => {
    expect(() => settingsFromLookup(lookupFrom({ preset: 'dev' }))).toThrow(/Set -c topology=/);
    expect(() => settingsFromLookup(lookupFrom({ topology: 'fargate' }))).toThrow(/Set -c preset=/);
    expect(() =>
      settingsFromLookup(lookupFrom({ topology: 'fargate', preset: 'dev', rdsProxy: 'yes' })),
    ).toThrow(/rdsProxy must be true or false/);
    expect(() =>
      settingsFromLookup(lookupFrom({ topology: 'lambda-vpc', preset: 'dev', reservedConcurrency: '5x' })),
    ).toThrow(/reservedConcurrency must be a whole number, got "5x"/);
    expect(
      settingsFromLookup(lookupFrom({ topology: 'lambda-vpc', preset: 'dev', reservedConcurrency: '40' }))
        .reservedConcurrency,
    ).toBe(40);
    expect(
      settingsFromLookup(lookupFrom({ topology: 'lambda-vpc', preset: 'dev', reservedConcurrency: 'none' }))
        .reservedConcurrency,
    ).toBe('none');
  });

  it('reports missing build artifacts with the command that makes them', () => {
    const settings = settingsFromLookup(
      lookupFrom({
        topology: 'lambda-vpc',
        preset: 'dev',
        apiCodePath: '/nonexistent/api',
        migrateCodePath: '/nonexistent/m',
      }),
    );
    expect(missingArtifacts(settings)).toEqual([
      '/nonexistent/api does not exist: run `npm run build -w @cloudnest/api` first',
      '/nonexistent/m does not exist: run `npm run build -w @cloudnest/api` first',
    ]);
    const ec2 = settingsFromLookup(
      lookupFrom({ topology: 'ec2-alb', preset: 'dev', frontendCodePath: '/nonexistent/web' }),
    );
    expect(missingArtifacts(ec2)).toContain(
      '/nonexistent/web does not exist: run `npm run build:ec2 -w @cloudnest/web` first',
    );
    // Unnamed, the web app's build is required too (a deploy used to fall back to a placeholder
    // page when it was missing).
    expect(settingsFromLookup(lookupFrom({ topology: 'ec2-alb', preset: 'dev' })).frontendCodePath).toBe(
      WEB_ARTIFACT,
    );
    expect(
      settingsFromLookup(lookupFrom({ topology: 'fargate', preset: 'dev' })).frontendCodePath,
    ).toBeUndefined();
  });

  it('takes the API function’s memory and timeout, within Lambda’s and the HTTP API’s limits', () => {
    const settings = (topology: string, extra: Record<string, string>) =>
      settingsFromLookup(lookupFrom({ topology, preset: 'dev', ...extra }));
    const sized = settings('lambda-vpc', { lambdaMemoryMiB: '2048', lambdaTimeoutSeconds: '10' });
    expect(sized).toMatchObject({ lambdaMemoryMiB: 2048, lambdaTimeoutSeconds: 10 });
    expect(settingsProblems(sized)).toEqual([]);
    expect(
      settingsProblems(
        settings('lambda-image', { imageTag: 'abc123', lambdaMemoryMiB: '64', lambdaTimeoutSeconds: '60' }),
      ),
    ).toEqual([
      'lambdaMemoryMiB must be a whole number from 256 to 10240, got 64',
      'lambdaTimeoutSeconds must be a whole number from 10 to 30, got 60',
    ]);
    expect(settingsProblems(settings('fargate', { lambdaMemoryMiB: '2048' }))).toContain(
      'lambdaMemoryMiB only applies to the Lambda topologies (lambda-vpc, lambda-image)',
    );
    expect(() => settings('lambda-vpc', { lambdaTimeoutSeconds: '10s' })).toThrow(
      'lambdaTimeoutSeconds must be a whole number, got "10s"',
    );
  });

  it('requires mailFrom outside the dev preset', () => {
    const problems = (topology: string, preset: string, extra: Record<string, string> = {}) =>
      settingsProblems(
        settingsFromLookup(
          lookupFrom({
            topology,
            preset,
            imageTag: 'abc123',
            certificateArn: CERT,
            zoneName: 'example.com',
            ...extra,
          }),
        ),
      ).filter((p) => /mailFrom/.test(p));
    for (const [topology, preset] of [
      ['lambda-vpc', 'nest-vpc'],
      ['ec2-alb', 'seoul'],
      ['fargate', 'prod'],
      ['fargate', 'autonote'],
    ]) {
      expect(problems(topology as string, preset as string)).toEqual([
        expect.stringMatching(
          new RegExp(`preset "${preset}" requires email verification .*give mailFrom, a verified SES sender`),
        ),
      ]);
      expect(problems(topology as string, preset as string, { mailFrom: 'no-reply@example.com' })).toEqual(
        [],
      );
    }
    expect(problems('lambda-vpc', 'dev')).toEqual([]);
  });

  it('requires email verification on every preset but dev (no 409 EMAIL_TAKEN from a production API)', () => {
    for (const name of PRESET_NAMES) {
      expect(resolvePreset(name).requireEmailVerification, name).toBe(name !== 'dev');
    }
  });

  // The API refuses production SES mail without PUBLIC_BASE_URL (links would point at localhost).
  it('asks the dev preset for siteUrl once it sends mail, and not before', () => {
    const problems = (extra: Record<string, string>) =>
      settingsProblems(
        settingsFromLookup(lookupFrom({ topology: 'lambda-vpc', preset: 'dev', ...extra })),
      ).filter((p) => /needs siteUrl/.test(p));
    expect(problems({})).toEqual([]);
    expect(problems({ mailFrom: 'no-reply@example.com' })).toEqual([
      expect.stringMatching(/preset "dev" needs siteUrl/),
    ]);
    expect(problems({ mailFrom: 'no-reply@example.com', siteUrl: 'https://app.example.com' })).toEqual([]);
  });

  it('lists every settings problem at once', () => {
    const settings = settingsFromLookup(
      lookupFrom({ topology: 'lambda-image', preset: 'seoul', fargatePublicIp: 'true', mailFrom: 'nobody' }),
    );
    const problems = settingsProblems(settings);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/not designed for topology "lambda-image"/),
        expect.stringMatching(/needs an imageTag/),
        expect.stringMatching(/fargatePublicIp only applies/),
        expect.stringMatching(/mailFrom "nobody"/),
      ]),
    );
  });
});
