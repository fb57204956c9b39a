/**
 * A real local webhook receiver (node:http on port 0) for delivery tests: records every request
 * with its raw body and headers, and answers as the current handler says (or never answers).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** exact body text as received */
  body: string;
  /** bizIdStr of the body, when it parses */
  bizId: string | undefined;
}

export type Answer = { status: number; body: string; contentType?: string } | 'hang';
export type Handler = (request: ReceivedRequest, index: number) => Answer;

export const ACK = '{"returnCode":"SUCCESS","returnMessage":null}';
export const ok: Handler = () => ({ status: 200, body: ACK });

export interface Receiver {
  url: string;
  received: ReceivedRequest[];
  handler: Handler;
  /** requests per bizIdStr */
  countFor(bizId: string): number;
  close(): Promise<void>;
}

export async function startReceiver(handler: Handler = ok, path = '/hook'): Promise<Receiver> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let bizId: string | undefined;
      try {
        bizId = (JSON.parse(body) as { bizIdStr?: string }).bizIdStr;
      } catch {
        bizId = undefined;
      }
      const request: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, bizId };
      receiver.received.push(request);
      const answer = receiver.handler(request, receiver.received.length - 1);
      if (answer === 'hang') return; // never answers: the sender's timeout must fire
      res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' });
      res.end(answer.body);
    });
  });
  const receiver: Receiver = {
    url: '',
    received: [],
    handler,
    countFor: (bizId) => receiver.received.filter((r) => r.bizId === bizId).length,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  receiver.url = `http://127.0.0.1:${address.port}${path}`;
  return receiver;
}
