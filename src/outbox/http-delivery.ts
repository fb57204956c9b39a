/**
 * One webhook attempt over HTTP: POST the signed body, read at most READ_LIMIT_BYTES of the answer,
 * give up after the configured timeout or when graceful shutdown interrupts the attempts in flight.
 * Never throws: a failure is an outcome with its reason.
 */
import { RESPONSE_BODY_LIMIT } from '../domain/webhook.ts';
import type { Clock } from '../lib/clock.ts';

/** How much of an answer is read to judge it; the stored copy is shorter (RESPONSE_BODY_LIMIT). */
const READ_LIMIT_BYTES = 64 * 1024;
/** the error of an HTTP attempt cut short by graceful shutdown */
export const INTERRUPTED_BY_SHUTDOWN = 'interrupted: the server shut down during the attempt';

export interface HttpOutcome {
  status: number | null;
  body: string | null;
  error: string | null;
  latencyMs: number;
}

export interface HttpDelivery {
  post(url: string, headers: Record<string, string>, body: string): Promise<HttpOutcome>;
}

export function clipBody(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  return text.length > RESPONSE_BODY_LIMIT ? text.slice(0, RESPONSE_BODY_LIMIT) : text;
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause && typeof cause === 'object') return [cause.code, cause.message].filter(Boolean).join(': ') || String(error);
  return error instanceof Error ? error.message : String(error);
}

async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= limit) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

export function httpDelivery(options: { fetch: typeof fetch; timeoutMs: number; wallClock: Clock; interrupt: AbortSignal }): HttpDelivery {
  const { timeoutMs, wallClock, interrupt } = options;
  return {
    async post(url, headers, body) {
      const started = wallClock.now();
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      const onInterrupt = () => controller.abort();
      interrupt.addEventListener('abort', onInterrupt, { once: true });
      if (interrupt.aborted) controller.abort();
      let status: number | null = null;
      try {
        const response = await options.fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: controller.signal });
        status = response.status;
        const text = await readLimited(response, READ_LIMIT_BYTES);
        return { status, body: text, error: null, latencyMs: wallClock.now() - started };
      } catch (error) {
        const message = interrupt.aborted ? INTERRUPTED_BY_SHUTDOWN : controller.signal.aborted ? `timeout: no complete answer within ${timeoutMs} ms` : `request failed: ${describeFetchError(error)}`;
        return { status, body: null, error: message, latencyMs: wallClock.now() - started };
      } finally {
        clearTimeout(timer);
        interrupt.removeEventListener('abort', onInterrupt);
      }
    },
  };
}
