/**
 * Time limits for the AWS SDK clients' HTTP calls, which have none by default: an endpoint that
 * accepts a connection and never answers (a stalled SES, S3 or Secrets Manager, a VPC endpoint
 * half-configured) kept the call pending for ever — a user's request hung until its connection
 * was cut, and the in-process maintenance loop stopped for good behind one S3 DELETE (found in
 * review). Per attempt; the SDK retries a timed-out attempt like any other transient failure.
 */
export function awsRequestHandler(requestTimeoutMs = 10_000) {
  return { connectionTimeout: 2000, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true } as const;
}
