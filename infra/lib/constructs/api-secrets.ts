import { RemovalPolicy } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { assertSecretArn } from '../validation.js';

/** Props of {@link ApiSecrets}. */
export interface ApiSecretsProps {
  /**
   * Use an existing secret holding the JWT signing key as `{"privateKey": "<PEM or JWK>"}` (EdDSA)
   * or `{"secret": "…"}` instead of a generated one. Every runtime gets its ARN (`JWT_SECRET_ARN`)
   * and reads whichever shape it holds.
   * @default - a generated 64-character random secret
   */
  readonly jwtSecretArn?: string;
  /**
   * Create the secret holding `API_KEYS` (the `X-API-KEY` shared secret of seed 002).
   * @default false
   */
  readonly apiKeys?: boolean;
  /**
   * What happens to the generated secrets when the stack deletes or replaces them. Keep them
   * wherever the database outlives the stack (as a snapshot): CloudFormation deletes a secret
   * without a recovery window, and a restored database is useless without the keys its
   * authenticator secrets were sealed with.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** JSON field of the generated JWT secret holding the HS256 key. */
export const JWT_SECRET_FIELD = 'secret';
/** JSON field of the generated secret holding the key two-step sign-in secrets are encrypted with. */
export const MFA_ENCRYPTION_KEY_FIELD = 'key';

/**
 * The API's own secrets, which never appear in plaintext in a template or an environment
 * variable: the JWT signing key, the key two-step sign-in secrets are encrypted with at rest and,
 * when required, the API keys.
 */
export class ApiSecrets extends Construct {
  /** Secret holding the JWT signing key, passed to every runtime as `JWT_SECRET_ARN`. */
  readonly jwtSecret: secretsmanager.ISecret;
  /**
   * Secret holding `{"key": …}`, the key the API encrypts authenticator secrets with, passed as
   * `MFA_ENCRYPTION_KEY_SECRET_ARN`. Rotated deliberately: a new `key` with the old one in
   * `previousKeys` (put-secret-value); the migration function re-seals on the next deploy, and the
   * old key may go once its report shows nothing left (docs/auth.md, "Rotating the key").
   */
  readonly mfaEncryptionKeySecret: secretsmanager.ISecret;
  /** Secret holding `API_KEYS`, when requested. */
  readonly apiKeysSecret?: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: ApiSecretsProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const rotationReason = {
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating a signing key or shared API key invalidates every issued token or client key; it is rotated deliberately (put-secret-value) rather than on a schedule.',
    };
    if (props.jwtSecretArn !== undefined) {
      assertSecretArn('jwtSecretArn', props.jwtSecretArn);
      this.jwtSecret = secretsmanager.Secret.fromSecretCompleteArn(this, 'JwtSecret', props.jwtSecretArn);
    } else {
      // The API reads {"secret": "<>= 32 chars>"} (HS256) or {"privateKey": "<PEM/JWK>"} (EdDSA).
      const generated = new secretsmanager.Secret(this, 'JwtSecret', {
        description: 'CloudNest JWT signing key ({"secret": …}, HS256)',
        generateSecretString: {
          secretStringTemplate: '{}',
          generateStringKey: JWT_SECRET_FIELD,
          passwordLength: 64,
          excludePunctuation: true,
        },
      });
      generated.applyRemovalPolicy(removalPolicy);
      NagSuppressions.addResourceSuppressions(generated, [rotationReason]);
      this.jwtSecret = generated;
    }
    const mfaKey = new secretsmanager.Secret(this, 'MfaEncryptionKeySecret', {
      description: 'CloudNest key for two-step sign-in secrets at rest ({"key": …})',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: MFA_ENCRYPTION_KEY_FIELD,
        passwordLength: 64,
        excludePunctuation: true,
      },
    });
    mfaKey.applyRemovalPolicy(removalPolicy);
    NagSuppressions.addResourceSuppressions(mfaKey, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotated deliberately, not on a schedule: the old key must stay in previousKeys until the migration function has re-sealed every authenticator secret under the new one, which an automatic rotation cannot know.',
      },
    ]);
    this.mfaEncryptionKeySecret = mfaKey;
    if (props.apiKeys) {
      const apiKeys = new secretsmanager.Secret(this, 'ApiKeysSecret', {
        description: 'CloudNest API_KEYS: comma-separated keys accepted in X-API-KEY',
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });
      apiKeys.applyRemovalPolicy(removalPolicy);
      NagSuppressions.addResourceSuppressions(apiKeys, [rotationReason]);
      this.apiKeysSecret = apiKeys;
    }
  }
}
