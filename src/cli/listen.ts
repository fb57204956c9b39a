/**
 * `bpay listen`: holds a Server-Sent Events connection to the server, forwards every webhook
 * attempt of one merchant byte for byte (same body, same signed headers) to a local URL, and
 * reports the local answer back so it counts as the attempt's outcome. Reconnects when the
 * connection drops; an attempt in flight during a drop fails on the server and is retried.
 */
import type { PushedAttempt } from '../domain/webhook.ts';
import { type AdminClient, CliError } from './admin-client.ts';

export interface ListenOptions {
  merchantId: string;
  forwardTo: string;
  json: boolean;
  /** stops listening */
  signal: AbortSignal;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

interface ReadyMessage {
  listenerId: string;
  merchantId: number;
  forwardTo: string | null;
  timeoutMs: number;
  retryScheduleMs: number[];
}

interface ReportedAttempt {
  outcome: string | null;
  error: string | null;
}

const READ_LIMIT = 64 * 1024;

/** Splits an SSE byte stream into events (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) yield { event, data: data.join('\n') };
    }
  }
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timeout';
  if (e.cause && typeof e.cause === 'object') return [e.cause.code, e.cause.message].filter(Boolean).join(': ');
  return e.message ?? String(error);
}

async function readLimited(response: Response): Promise<string> {
  const text = await response.text();
  return text.length > READ_LIMIT ? text.slice(0, READ_LIMIT) : text;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

export async function listen(client: AdminClient, options: ListenOptions): Promise<void> {
  const out = options.out ?? ((line: string) => process.stdout.write(line + '\n'));
  const err = options.err ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (json: Record<string, unknown>, human: string) => out(options.json ? JSON.stringify(json) : human);
  const path = `/merchants/${encodeURIComponent(options.merchantId)}/webhooks/stream?forwardTo=${encodeURIComponent(options.forwardTo)}`;
  let listenerId = '';
  let connectedOnce = false;
  let backoffMs = 500;

  /** Events are only created with a target: orders without webhookUrl of a merchant without one are NO_TARGET. */
  const warnWithoutTarget = async (): Promise<void> => {
    try {
      const merchant = await client.request<{ webhookUrl: string | null }>('GET', `/merchants/${encodeURIComponent(options.merchantId)}`);
      if (merchant.webhookUrl === null) {
        err(
          `bpay listen: merchant ${options.merchantId} has no webhook URL, so events of orders created without webhookUrl are recorded as NO_TARGET and not sent.\n` +
            `  Set one (it is not called while you listen): bpay merchant update ${options.merchantId} --webhook-url ${options.forwardTo}`,
        );
      }
    } catch {
      // only a hint
    }
  };

  const forward = async (attempt: PushedAttempt): Promise<void> => {
    const started = performance.now();
    let report: Record<string, unknown>;
    try {
      // the exact bytes and the signed headers the server would have POSTed
      const response = await fetch(options.forwardTo, {
        method: 'POST',
        headers: attempt.headers,
        body: attempt.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(attempt.forwardTimeoutMs),
      });
      const body = await readLimited(response);
      report = { listenerId, status: response.status, body, latencyMs: Math.round(performance.now() - started), forwardTo: options.forwardTo };
    } catch (error) {
      report = { listenerId, error: describe(error), latencyMs: Math.round(performance.now() - started), forwardTo: options.forwardTo };
    }
    let outcome = '';
    let note = '';
    try {
      const recorded = await client.request<ReportedAttempt>('POST', `/webhook-attempts/${encodeURIComponent(attempt.attemptId)}/result`, report);
      outcome = recorded.outcome ?? '';
      note = recorded.error ?? '';
    } catch (error) {
      outcome = 'NOT_COUNTED';
      note = error instanceof Error ? error.message : String(error);
    }
    const status = typeof report.status === 'number' ? String(report.status) : `error (${String(report.error)})`;
    emit(
      {
        type: 'attempt',
        eventId: attempt.eventId,
        attemptId: attempt.attemptId,
        attemptNo: attempt.attemptNo,
        bizType: attempt.bizType,
        bizStatus: attempt.bizStatus,
        bizId: attempt.bizId,
        status: report.status ?? null,
        error: report.error ?? null,
        latencyMs: report.latencyMs,
        outcome,
        note: note || null,
      },
      `${new Date().toISOString()}  ${attempt.bizType} ${attempt.bizStatus}  bizId ${attempt.bizId}  event ${attempt.eventId} attempt #${attempt.attemptNo}  → ${status} (${String(report.latencyMs)} ms)  ${outcome}${note ? `: ${note}` : ''}`,
    );
  };

  while (!options.signal.aborted) {
    let response: Response;
    try {
      response = await client.open(path, { headers: { accept: 'text/event-stream' }, signal: options.signal });
    } catch (error) {
      if (options.signal.aborted) return;
      if (!connectedOnce) throw error;
      err(`bpay listen: ${describe(error)}; reconnecting in ${backoffMs} ms`);
      await sleep(backoffMs, options.signal);
      backoffMs = Math.min(backoffMs * 2, 10_000);
      continue;
    }
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => '');
      let message = `HTTP ${response.status}`;
      let code = 'LISTEN_FAILED';
      try {
        const envelope = JSON.parse(text) as { code?: string; errorMessage?: string };
        message = envelope.errorMessage ?? message;
        code = envelope.code ?? code;
      } catch {
        // not the admin envelope
      }
      // a refusal (bad token, unknown merchant) will not fix itself
      if (response.status < 500 || !connectedOnce) throw new CliError(code, message, response.status);
      err(`bpay listen: ${message}; reconnecting in ${backoffMs} ms`);
      await sleep(backoffMs, options.signal);
      continue;
    }
    const inFlight = new Set<Promise<void>>();
    try {
      for await (const message of sseEvents(response.body)) {
        if (message.event === 'ready') {
          const ready = JSON.parse(message.data) as ReadyMessage;
          listenerId = ready.listenerId;
          backoffMs = 500;
          emit(
            { type: 'ready', listenerId: ready.listenerId, merchantId: ready.merchantId, forwardTo: options.forwardTo, timeoutMs: ready.timeoutMs },
            `${connectedOnce ? 'Reconnected' : 'Ready'}: forwarding webhooks of merchant ${ready.merchantId} to ${options.forwardTo} (listener ${ready.listenerId}).\n` +
              `While this runs, the server delivers this merchant's notifications here instead of to its webhook URL. Ctrl-C to stop.`,
          );
          if (!connectedOnce) void warnWithoutTarget();
          connectedOnce = true;
        } else if (message.event === 'attempt') {
          const p = forward(JSON.parse(message.data) as PushedAttempt).finally(() => inFlight.delete(p));
          inFlight.add(p);
        } else if (message.event === 'error') {
          const e = JSON.parse(message.data) as { message?: string };
          throw new CliError('LISTEN_FAILED', e.message ?? 'the server refused the listener');
        }
      }
    } catch (error) {
      if (options.signal.aborted) break;
      if (error instanceof CliError) throw error;
      err(`bpay listen: connection lost (${describe(error)})`);
    }
    await Promise.all(inFlight);
    if (options.signal.aborted) break;
    err(`bpay listen: disconnected; reconnecting in ${backoffMs} ms`);
    await sleep(backoffMs, options.signal);
    backoffMs = Math.min(backoffMs * 2, 10_000);
  }
}
