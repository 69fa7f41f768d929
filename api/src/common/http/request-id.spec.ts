import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { requestIdFor } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function idFor(header: string | string[] | undefined): string {
  return requestIdFor({ headers: { 'x-request-id': header } } as unknown as IncomingMessage);
}

describe('requestIdFor', () => {
  it("keeps the caller's id when it is a sane token", () => {
    for (const id of ['trace-42', 'a.b_c:d', 'x'.repeat(128)]) {
      expect(idFor(id)).toBe(id);
    }
  });

  // Found in review: API Gateway HTTP API request ids are base64-like (`JKJaXmPLvHcESHA=`), and
  // replacing them with a UUID broke the chain to API Gateway's access log.
  it('keeps API Gateway HTTP API request ids, which are base64 (=, + and /)', () => {
    for (const id of ['JKJaXmPLvHcESHA=', 'a+b/c==', 'JKJaXmPLvHcESHA+/=']) {
      expect(idFor(id)).toBe(id);
    }
  });

  it('uses the first of repeated headers', () => {
    expect(idFor(['first', 'second'])).toBe('first');
  });

  it('generates a UUID when there is none or it is not a sane token', () => {
    for (const id of [
      undefined,
      '',
      'x'.repeat(129),
      'has space',
      'tab\there',
      'line\nbreak',
      'nul\0',
      'é',
      '{"json":1}',
    ]) {
      expect(idFor(id)).toMatch(UUID);
    }
  });
});
