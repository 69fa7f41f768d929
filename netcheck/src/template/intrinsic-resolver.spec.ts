import { describe, expect, it } from 'vitest';
import { IntrinsicResolver } from './intrinsic-resolver.js';
import { parseTemplate } from './parse-template.js';
import { ResourceRef, Unresolved } from './template-values.js';

const yaml = `
Parameters:
  Env: { Type: String, Default: prod }
  Subnets: { Type: List<AWS::EC2::Subnet::Id> }
  Secret: { Type: 'AWS::SSM::Parameter::Value<String>', Default: /app/secret }
Mappings:
  Ports: { prod: { Db: 5432 } }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Unknown: !Equals [!Ref 'AWS::AccountId', '123']
  Both: !And [!Condition IsProd, !Condition Unknown]
  Either: !Or [!Condition IsProd, !Condition Unknown]
Resources:
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  Sg: { Type: AWS::EC2::SecurityGroup, Properties: { GroupDescription: x } }
  Db: { Type: AWS::RDS::DBInstance, Properties: { Port: 3307 } }
Outputs:
  Values:
    Value:
      ref: !Ref Vpc
      groupId: !GetAtt Sg.GroupId
      vpcCidr: !GetAtt Vpc.CidrBlock
      dbPort: !GetAtt Db.Endpoint.Port
      cidrs: !Cidr [!GetAtt Vpc.CidrBlock, 3, 8]
      selected: !Select [2, !Cidr ['10.1.0.0/16', 4, 12]]
      joined: !Join ['-', [a, !Ref Env, b]]
      sub: !Sub 'arn:aws:s3:::\${Env}-bucket/\${!Literal}'
      subWithVars: !Sub ['\${A}:\${B}', { A: x, B: !FindInMap [Ports, !Ref Env, Db] }]
      split: !Split [',', 'a,b,c']
      azs: !GetAZs ''
      ifValue: !If [IsProd, yes, no]
      ifUnknown: !If [Unknown, yes, no]
      imported: !ImportValue Other-Export
      region: !Sub 'com.amazonaws.\${AWS::Region}.s3'
      noValue: [one, !Ref 'AWS::NoValue', two]
      base64: !Base64 text
      subnets: !Ref Subnets
      secret: !Ref Secret
`;

function resolvedOutputs(params: Record<string, string> = {}) {
  const template = parseTemplate(yaml, { params });
  const resolver = new IntrinsicResolver(template, '');
  const outputs = template.body.Outputs as { Values: { Value: Record<string, never> } };
  return { resolver, values: resolver.resolve(outputs.Values.Value) as Record<string, unknown> };
}

describe('IntrinsicResolver', () => {
  it('evaluates short-form intrinsics parsed from YAML', () => {
    const { values } = resolvedOutputs({ Subnets: 'subnet-1, subnet-2' });
    expect(values.ref).toEqual(new ResourceRef('Vpc'));
    expect(values.groupId).toEqual(new ResourceRef('Sg'));
    expect(values.vpcCidr).toBe('10.0.0.0/16');
    expect(values.dbPort).toBe(3307);
    expect(values.cidrs).toEqual(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24']);
    expect(values.selected).toBe('10.1.32.0/20');
    expect(values.joined).toBe('a-prod-b');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub's ${!Literal} escape yields a literal ${Literal}.
    expect(values.sub).toBe('arn:aws:s3:::prod-bucket/${Literal}');
    expect(values.subWithVars).toBe('x:5432');
    expect(values.split).toEqual(['a', 'b', 'c']);
    expect((values.azs as string[]).length).toBeGreaterThanOrEqual(3);
    expect(values.ifValue).toBe('yes');
    expect(values.noValue).toEqual(['one', 'two']);
    expect(values.base64).toBe('text');
    expect(values.subnets).toEqual(['subnet-1', 'subnet-2']);
  });

  it('turns deploy-time values into Unresolved instead of guessing', () => {
    const { values } = resolvedOutputs();
    expect(values.imported).toBeInstanceOf(Unresolved);
    expect((values.imported as Unresolved).reason).toContain('Other-Export');
    expect(values.ifUnknown).toBeInstanceOf(Unresolved);
    // Either branch may be deployed: both are kept, so what the value may name stays known.
    expect((values.ifUnknown as Unresolved).alternatives).toEqual(['yes', 'no']);
    expect(values.subnets).toBeInstanceOf(Unresolved);
    // An SSM parameter's Default is a parameter name, never the value.
    expect(values.secret).toBeInstanceOf(Unresolved);
    const region = values.region as Unresolved;
    expect(region).toBeInstanceOf(Unresolved);
    expect(region.partial).toBe('com.amazonaws.*.s3');
  });

  it('uses --param values for pseudo parameters', () => {
    const { values } = resolvedOutputs({ 'AWS::Region': 'eu-west-1' });
    expect(values.region).toBe('com.amazonaws.eu-west-1.s3');
  });

  it('evaluates conditions with three-valued logic', () => {
    const { resolver } = resolvedOutputs();
    expect(resolver.condition('IsProd')).toBe(true);
    expect(resolver.condition('Unknown')).toBeInstanceOf(Unresolved);
    // true AND unknown is unknown; true OR unknown is true.
    expect(resolver.condition('Both')).toBeInstanceOf(Unresolved);
    expect(resolver.condition('Either')).toBe(true);
    expect(resolvedOutputs({ Env: 'dev' }).resolver.condition('Either')).toBeInstanceOf(Unresolved);
  });
});

describe('parseTemplate', () => {
  it('reads JSON and rejects documents without Resources', () => {
    expect(parseTemplate('{"Resources": {}}').body.Resources).toEqual({});
    expect(() => parseTemplate('{"Parameters": {}}')).toThrow(/no Resources/);
    expect(() => parseTemplate('Resources: [unclosed')).toThrow(/cannot parse/);
  });

  it('converts !GetAtt dotted scalars to the two-element long form', () => {
    const template = parseTemplate(
      'Resources:\n  A: { Type: X, Properties: { P: !GetAtt Db.Endpoint.Port } }\n',
    );
    const resources = template.body.Resources as Record<string, { Properties: Record<string, unknown> }>;
    expect(resources.A?.Properties.P).toEqual({ 'Fn::GetAtt': ['Db', 'Endpoint.Port'] });
  });
});
