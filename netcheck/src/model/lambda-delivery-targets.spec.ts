import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../template/parse-template.js';
import { buildNetworkModel } from './build-network-model.js';

/** A function `Fn` with role `Role`, queues `Q` and `Other`, and the given extra resources. */
function template(resources: string): string {
  return `
Conditions:
  Unknown: !Equals [!Ref 'AWS::AccountId', '123']
Resources:
  Q: { Type: AWS::SQS::Queue }
  Other: { Type: AWS::SQS::Queue }
  Role: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: {} } }
  Fn:
    Type: AWS::Lambda::Function
    Properties: { Role: !GetAtt Role.Arn, DeadLetterConfig: { TargetArn: !GetAtt Q.Arn } }
${resources}`;
}

function policy(statements: string): string {
  return `
  Policy:
    Type: AWS::IAM::Policy
    Properties:
      Roles: [!Ref Role]
      PolicyDocument: { Statement: [${statements}] }`;
}

/** Services the function `Fn` counts as calling, across the given templates (name → text). */
function services(templates: Record<string, string>, fnId = 'Fn'): string[] {
  const model = buildNetworkModel(
    Object.entries(templates).map(([name, text]) => parseTemplate(text, { name })),
  );
  return [...(model.workloads.get(fnId)?.awsApiPermissions?.keys() ?? [])].sort();
}

describe('grants on what the Lambda service delivers for a function', () => {
  it('ignores sending to its dead-letter queue, but not other actions on it or other queues', () => {
    expect(
      services({
        t: template(policy('{ Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt Q.Arn }')),
      }),
    ).toEqual([]);
    expect(
      services({ t: template(policy('{ Effect: Allow, Action: sqs:PurgeQueue, Resource: !GetAtt Q.Arn }')) }),
    ).toEqual(['sqs']);
    const both = '{ Effect: Allow, Action: sqs:SendMessage, Resource: [!GetAtt Q.Arn, !Ref Other] }';
    expect(services({ t: template(policy(both)) })).toEqual(['sqs']);
    const suffixed =
      "{ Effect: Allow, Action: sqs:SendMessage, Resource: !Join ['', [!GetAtt Q.Arn, '-x']] }";
    expect(services({ t: template(policy(suffixed)) })).toEqual(['sqs']);
  });

  it("follows an EventInvokeConfig's FunctionName through an alias", () => {
    const config = `
  Alias: { Type: AWS::Lambda::Alias, Properties: { FunctionName: !Ref Fn, FunctionVersion: '1', Name: live } }
  Config:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref Alias
      Qualifier: live
      DestinationConfig: { OnFailure: { Destination: !Ref Other } }`;
    const grant = policy('{ Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt Other.Arn }');
    expect(services({ t: template(config + grant) })).toEqual([]);
  });

  it('still counts the grant when the EventInvokeConfig exists under an unresolved Condition', () => {
    const config = `
  Config:
    Type: AWS::Lambda::EventInvokeConfig
    Condition: Unknown
    Properties:
      FunctionName: !Ref Fn
      Qualifier: $LATEST
      DestinationConfig: { OnFailure: { Destination: !GetAtt Other.Arn } }`;
    const grant = policy('{ Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt Other.Arn }');
    expect(services({ t: template(config + grant) })).toEqual(['sqs']);
  });

  it("reads SAM's DeadLetterQueue and EventInvokeConfig with the function's inline Policies", () => {
    const sam = `
Resources:
  Dlq: { Type: AWS::SNS::Topic }
  Target: { Type: AWS::Lambda::Function, Properties: { Role: x } }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      DeadLetterQueue: { Type: SNS, TargetArn: !Ref Dlq }
      EventInvokeConfig:
        DestinationConfig: { OnSuccess: { Type: Lambda, Destination: !GetAtt Target.Arn } }
      Policies:
        - Statement: [{ Effect: Allow, Action: sns:Publish, Resource: !Ref Dlq }]
        - Statement:
            - Effect: Allow
              Action: lambda:InvokeFunction
              Resource: [!GetAtt Target.Arn, !Sub '\${Target.Arn}:*']`;
    expect(services({ sam })).toEqual([]);
  });

  it('matches an unevaluated expression only within the template that writes it', () => {
    // Two stacks may be deployed to different regions: the same !Sub is not the same ARN there.
    const bus = `!Sub 'arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/default'`;
    const config = (functionName: string) => `
  Config:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: ${functionName}
      Qualifier: $LATEST
      DestinationConfig: { OnSuccess: { Destination: ${bus} } }`;
    const grant = policy(`{ Effect: Allow, Action: events:PutEvents, Resource: ${bus} }`);
    const exported = `
Outputs:
  FnArn: { Value: !GetAtt Fn.Arn, Export: { Name: fn-arn } }`;
    expect(services({ a: template(config('!Ref Fn') + grant) }, 'Fn')).toEqual([]);
    const split = { a: `Resources:${config('!ImportValue fn-arn')}`, b: template(grant) + exported };
    expect(services(split, 'b/Fn')).toEqual(['events']);
  });
});
