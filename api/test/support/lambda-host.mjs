// A stand-in for the Lambda runtime: imports a built handler module the way the runtime does (a
// fresh Node process, plain ESM, no TypeScript loader), then answers invocations read as JSON
// lines from stdin ({id, event, remainingTimeMs?}) with JSON lines on fd 3 ({id, result} or
// {id, error}). The handler's own logs stay on stdout/stderr. `remainingTimeMs` (default 30 s, the
// function's timeout) is what the context's clock starts from.
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const results = createWriteStream('', { fd: 3 });
const send = (message) => results.write(`${JSON.stringify(message)}\n`);

let handler;
try {
  ({ handler } = await import(pathToFileURL(process.argv[2]).href));
  send({ id: 'init', result: 'ready' });
} catch (error) {
  send({ id: 'init', error: String(error?.stack ?? error) });
  process.exit(1);
}

let sequence = 0;
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { id, event, remainingTimeMs = 30_000 } = JSON.parse(line);
  const timeout = Date.now() + remainingTimeMs;
  const context = {
    awsRequestId: `local-${++sequence}`,
    functionName: 'cloudnest-local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, timeout - Date.now()),
  };
  try {
    send({ id, result: await handler(event, context) });
  } catch (error) {
    send({ id, error: String(error?.stack ?? error) });
  }
}
process.exit(0);
