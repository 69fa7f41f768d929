import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { sendRaw } from './raw-http.js';

/** The shortest REQUEST_TIMEOUT_MS the config accepts, so the test waits as little as possible. */
const REQUEST_TIMEOUT_MS = 1000;
const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Issue 8, slow and big clients: the body limit is enforced with a JSON 413 (also for chunked
 * bodies that never announce a length), and a client that sends nothing, sends its headers or its
 * body a byte at a time cannot keep a connection open past the request timeout.
 */
describe('slow and big clients', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses a body over the default 1 MiB limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const body = Buffer.alloc(DEFAULT_BODY_LIMIT + 1, 'a');
    const announced = await sendRaw(server.baseUrl, {
      method: 'POST',
      path: '/auth/login',
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
      body,
    });
    expect(announced.status).toBe(413);
    expect(JSON.parse(announced.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    // Chunked: the server must count while reading, not trust a header.
    const chunked = await sendRaw(server.baseUrl, {
      method: 'POST',
      path: '/auth/login',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body,
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it.each([
    ['sends nothing at all', []],
    [
      'sends its headers a byte at a time',
      [...'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '.padEnd(400, 'z')],
    ],
    [
      'sends its body a byte at a time',
      [
        'POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n',
        ...'{"email":"slow@example.com","password":"'.padEnd(400, 'z'),
      ],
    ],
  ] as const)('cuts off a client that %s', async (_, pieces) => {
    const { closedAfterMs, answer } = await trickle(server.baseUrl, pieces, 200);
    console.log(`slow client cut off after ${closedAfterMs} ms (${answer.split('\r\n')[0] || 'no answer'})`);
    // Node checks deadlines once a second, so the cut comes within a second or two of the timeout.
    expect(closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 2500);
  });
});

/**
 * Opens a raw connection and writes `pieces` one every `intervalMs` until the server closes it;
 * resolves with how long the connection lived and whatever the server wrote.
 */
function trickle(
  baseUrl: string,
  pieces: readonly string[],
  intervalMs: number,
): Promise<{ closedAfterMs: number; answer: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let answer = '';
    let index = 0;
    const socket = connect(Number(port), hostname);
    const timer = setInterval(() => {
      const piece = pieces[index++];
      if (piece !== undefined && !socket.destroyed) socket.write(piece);
    }, intervalMs);
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the slow connection open for 20 s: ${JSON.stringify(answer)}`));
    }, 20_000);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ closedAfterMs: Date.now() - started, answer });
    });
  });
}
