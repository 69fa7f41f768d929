import { describe, expect, it } from 'vitest';
import { checkTemplates } from '../src/check.js';
import { findPath } from '../src/engine/find-path.js';
import { parseTemplate, TemplateParseError } from '../src/template/parse-template.js';

/**
 * Input CloudFormation itself rejects must never read as a clean network: structural mistakes are
 * a TemplateParseError (CLI exit 2); a property of the wrong shape is an NV-MODEL-001 finding and
 * makes the answers it touches unknown.
 */
describe('malformed templates are rejected', () => {
  const cases: ReadonlyArray<[string, string, RegExp]> = [
    [
      'a resource without Type',
      'Resources:\n  Vpc:\n    Properties: {CidrBlock: 10.0.0.0/16}\n',
      /Vpc has no Type/,
    ],
    ['a null resource', 'Resources:\n  Vpc:\n', /Vpc is null, not an object/],
    ['a string resource', 'Resources:\n  Vpc: hello\n', /Vpc is a string, not an object/],
    ['a non-string Type', 'Resources:\n  Vpc:\n    Type: 42\n', /Type of Vpc is not a string/],
    [
      'Properties that are not an object',
      'Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: [1, 2]\n',
      /Properties of Vpc must be an object/,
    ],
    [
      'a Condition that is not defined',
      'Conditions:\n  C: !Equals [a, a]\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Condition: Missing\n',
      /Condition Missing, which is not defined in Conditions/,
    ],
    [
      'a Condition that is not a name',
      'Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Condition: [a]\n',
      /Condition of Vpc must be the name of a condition/,
    ],
    [
      // Found in review (2026-12-07): the alias limit was off, and nine such lines ran the process
      // out of memory.
      'a YAML alias bomb',
      [
        'a: &a [x, x, x, x, x, x, x, x, x, x]',
        ...'bcdefgh'
          .split('')
          .map((name, index) => `${name}: &${name} [${Array(10).fill(`*${'abcdefgh'[index]}`).join(', ')}]`),
        'Resources: {}',
        '',
      ].join('\n'),
      /Excessive alias count/,
    ],
    [
      'an unknown short-form tag',
      'Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: !Foo 10.0.0.0/16}\n',
      /!Foo/,
    ],
  ];
  for (const [what, text, message] of cases) {
    it(what, () => {
      expect(() => parseTemplate(text)).toThrow(TemplateParseError);
      expect(() => parseTemplate(text)).toThrow(message);
    });
  }

  it('accepts a JSON template with a UTF-8 byte order mark', () => {
    const text =
      '\uFEFF{"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}}}';
    expect(parseTemplate(text).body.Resources).toHaveProperty('Vpc');
    expect(parseTemplate('\uFEFFResources:\n  Vpc: {Type: AWS::EC2::VPC}\n').body.Resources).toHaveProperty(
      'Vpc',
    );
  });
});

describe('security group rules given as a map', () => {
  const template = parseTemplate(`Resources:
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  Igw: { Type: AWS::EC2::InternetGateway }
  Attach: { Type: AWS::EC2::VPCGatewayAttachment, Properties: { VpcId: !Ref Vpc, InternetGatewayId: !Ref Igw } }
  Public: { Type: AWS::EC2::Subnet, Properties: { VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24, MapPublicIpOnLaunch: true } }
  Rt: { Type: AWS::EC2::RouteTable, Properties: { VpcId: !Ref Vpc } }
  Default: { Type: AWS::EC2::Route, Properties: { RouteTableId: !Ref Rt, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref Igw } }
  Assoc: { Type: AWS::EC2::SubnetRouteTableAssociation, Properties: { SubnetId: !Ref Public, RouteTableId: !Ref Rt } }
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: x
      VpcId: !Ref Vpc
      SecurityGroupIngress: {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}
  Bastion: { Type: AWS::EC2::Instance, Properties: { ImageId: ami-1, SubnetId: !Ref Public, SecurityGroupIds: [!Ref Sg] } }
`);

  it('are reported as NV-MODEL-001 and make the answers they touch unknown, not dropped', () => {
    const { findings, model } = checkTemplates([template]);
    const diagnostic = findings.find((finding) => finding.id === 'NV-MODEL-001' && finding.resource === 'Sg');
    expect(diagnostic?.message).toContain('SecurityGroupIngress must be a list');
    expect(findPath(model, { from: 'internet', to: 'Bastion', port: 22 }).reachable).toBe('unknown');
  });
});
