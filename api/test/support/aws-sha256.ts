import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

type HashInput = string | ArrayBuffer | ArrayBufferView;

function bytes(data: HashInput): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

/**
 * SHA-256 and HMAC-SHA-256 in the shape the SDK's SigV4 signer (`@smithy/signature-v4`) takes,
 * for the tests that use that signer as the reference CloudNest's own signer is checked against.
 */
export class AwsSha256 {
  private hash: Hash | Hmac;
  private readonly secret: string | Uint8Array | undefined;

  constructor(secret?: HashInput) {
    this.secret = secret === undefined ? undefined : bytes(secret);
    this.hash = this.create();
  }

  update(data: HashInput): void {
    this.hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.create();
  }

  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}
