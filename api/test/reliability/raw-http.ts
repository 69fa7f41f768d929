import { Agent, request } from 'node:http';

/** What came back; `status` 0 when the connection failed before any answer. */
export interface RawResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly error?: string;
}

/** A request sent byte for byte as given (fetch would refuse or normalise many hostile ones). */
export interface RawRequest {
  readonly method: string;
  /** Already percent-encoded path and query. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

export function sendRaw(baseUrl: string, raw: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (response: RawResponse) => {
      if (settled) return;
      settled = true;
      resolve(response);
    };
    const req = request(
      {
        host: hostname,
        port,
        method: raw.method,
        path: raw.path,
        headers: raw.headers,
        agent,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          finish({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (error) =>
          finish({ status: res.statusCode ?? 0, contentType: '', body: '', error: error.message }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // A server may answer (413) and close before the whole body is written: the answer counts.
    req.on('error', (error) => finish({ status: 0, contentType: '', body: '', error: error.message }));
    req.end(raw.body);
  });
}

/** Header values Node can put on the wire (latin-1, no control characters). */
export function headerSafe(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
}
