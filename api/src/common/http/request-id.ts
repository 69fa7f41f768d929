import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Printable ASCII with no space, quote, backslash or other character that would need escaping in
 * a log line or a header. `=`, `+` and `/` are in because API Gateway's HTTP API request ids are
 * base64 (`JKJaXmPLvHcESHA=`), and the Lambda adapter hands them over as X-Request-Id: refusing
 * them replaced every such id with a UUID that no longer matched API Gateway's access log.
 */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:=+/-]{1,128}$/;

/**
 * Uses the caller's X-Request-Id when it is a sane token (so ids chain across ALB/API Gateway and
 * services), otherwise generates a UUID. Untrusted values never reach the logs unchecked.
 */
export function requestIdFor(request: IncomingMessage): string {
  return requestIdFrom(request.headers['x-request-id']);
}

/**
 * The header's id when it is a sane token (the first value of a repeated header), else
 * `fallback` when that is one (the Lambda proxy's API Gateway request id), else a new UUID.
 */
export function requestIdFrom(header: string | readonly string[] | undefined, fallback?: string): string {
  if (isAcceptableRequestId(header)) return firstOf(header) as string;
  return fallback !== undefined && isAcceptableRequestId(fallback) ? fallback : randomUUID();
}

/** Whether `requestIdFor` would use this X-Request-Id value (the first, when repeated). */
export function isAcceptableRequestId(header: string | readonly string[] | undefined): boolean {
  const candidate = firstOf(header);
  return candidate !== undefined && ACCEPTABLE_REQUEST_ID.test(candidate);
}

function firstOf(header: string | readonly string[] | undefined): string | undefined {
  return typeof header === 'string' ? header : header?.[0];
}
