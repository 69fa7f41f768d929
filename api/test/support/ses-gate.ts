import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * Passes one request of the app's SES client on to the SES emulator listening on `port`, and its
 * answer back. The tests put a gate of their own in front of the emulator (to hold an answer, or to
 * fail one) and call this for the requests they let through.
 */
export function forwardToSesEmulator(request: IncomingMessage, response: ServerResponse, port: number): void {
  const upstream = httpRequest(
    { host: '127.0.0.1', port, method: request.method, path: request.url, headers: request.headers },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  request.pipe(upstream);
}
