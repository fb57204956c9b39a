/**
 * Webhooks (Binance Pay → merchant), the pure part: event and attempt types, the exact body
 * Binance sends (fact sheet §5.3), what counts as an acknowledgement (§5.5), the retry schedule
 * (§5.1 "up to 6 times") and the port through which services reach the dispatcher.
 */

export type OutboxStatus = 'PENDING' | 'DELIVERED' | 'FAILED' | 'NO_TARGET' | 'SUPPRESSED';
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['PENDING', 'DELIVERED', 'FAILED', 'NO_TARGET', 'SUPPRESSED'];

/** SCHEDULE: the dispatcher's own attempts (count toward the retry limit); MANUAL: redelivery by an operator. */
export type AttemptTrigger = 'SCHEDULE' | 'MANUAL';
/** HTTP: POSTed by the server; LISTENER: pushed to `bpay listen`, which forwarded it and reported the outcome. */
export type AttemptVia = 'HTTP' | 'LISTENER';
/** null while in flight; ABANDONED: the process delivering it stopped before recording an outcome. */
export type AttemptOutcome = 'SUCCESS' | 'FAILED' | 'ABANDONED';

export interface OutboxEvent {
  id: string;
  merchantId: number;
  bizType: string;
  /** decimal digits (prepayId, payout id…), never a JS number: they exceed 2^53 */
  bizId: string;
  bizStatus: string;
  /** the `data` member: a JSON text sent as a JSON string (§5.3) */
  data: string;
  webhookUrl: string | null;
  refType: string;
  refId: string;
  status: OutboxStatus;
  /** every attempt so far, scheduled and manual */
  attempts: number;
  /** attempts made by the schedule; the event FAILS when they exceed the retry schedule */
  autoAttempts: number;
  nextAttemptAtMs: number;
  createdAtMs: number;
  lastAttemptAtMs: number | null;
  lastHttpStatus: number | null;
  lastError: string | null;
  deliveredAtMs: number | null;
  leaseToken: string | null;
  leaseUntilMs: number | null;
}

export interface WebhookAttempt {
  id: string;
  eventId: string;
  merchantId: number;
  attemptNo: number;
  trigger: AttemptTrigger;
  via: AttemptVia;
  listenerId: string | null;
  requestUrl: string;
  requestHeaders: Record<string, string>;
  requestBody: string;
  responseStatus: number | null;
  /** truncated to RESPONSE_BODY_LIMIT characters */
  responseBody: string | null;
  latencyMs: number | null;
  error: string | null;
  outcome: AttemptOutcome | null;
  /** business clock */
  startedAtMs: number;
  finishedAtMs: number | null;
}

/** How much of a receiver's answer is stored with the attempt. */
export const RESPONSE_BODY_LIMIT = 8192;

const ID_DIGITS = /^(0|[1-9]\d*)$/;

/**
 * The notification body, byte for byte as Binance sends it (fact sheet §5.3, §9 G): keys in the
 * order `bizType, data, bizIdStr, bizId, bizStatus`; `data` the JSON text as a JSON string;
 * `bizId` a bare number literal copied from its digits, never through a JS number.
 */
export function webhookBody(event: Pick<OutboxEvent, 'bizType' | 'bizId' | 'bizStatus' | 'data'>): string {
  if (!ID_DIGITS.test(event.bizId)) throw new TypeError(`bizId must be decimal digits, got ${JSON.stringify(event.bizId)}`);
  return `{"bizType":${JSON.stringify(event.bizType)},"data":${JSON.stringify(event.data)},"bizIdStr":${JSON.stringify(event.bizId)},"bizId":${event.bizId},"bizStatus":${JSON.stringify(event.bizStatus)}}`;
}

export type AckVerdict = { ok: true } | { ok: false; reason: string };

function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * What the merchant must answer (fact sheet §5.5): HTTP 200 and a JSON object whose `returnCode`
 * is exactly the string "SUCCESS" (case-sensitive). Extra keys are allowed (lenient, the default);
 * strict mode also requires that the object holds nothing but `returnCode` and an optional
 * `returnMessage` (string or null).
 */
export function judgeAck(status: number, body: string, strict = false): AckVerdict {
  if (status !== 200) return { ok: false, reason: `HTTP ${status} (expected 200)` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, reason: `HTTP 200 but the body is not JSON: ${JSON.stringify(clip(body))}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, reason: 'HTTP 200 but the body is not a JSON object' };
  const ack = parsed as Record<string, unknown>;
  if (ack.returnCode !== 'SUCCESS') {
    return { ok: false, reason: `HTTP 200 but returnCode is ${ack.returnCode === undefined ? 'missing' : JSON.stringify(ack.returnCode)} (expected "SUCCESS")` };
  }
  if (strict) {
    const extra = Object.keys(ack).filter((k) => k !== 'returnCode' && k !== 'returnMessage');
    if (extra.length > 0) return { ok: false, reason: `strict mode: unexpected keys ${extra.join(', ')}` };
    if (ack.returnMessage !== undefined && ack.returnMessage !== null && typeof ack.returnMessage !== 'string') {
      return { ok: false, reason: 'strict mode: returnMessage must be a string or null' };
    }
  }
  return { ok: true };
}

/**
 * fact sheet §5.1 "retry up to 6 times": the first attempt, then one retry per schedule entry
 * (default 6 → 7 attempts). After scheduled attempt `n` fails, the next one is due
 * `schedule[n-1]` ms later on the business clock; when there is no entry left the event FAILS.
 */
export function retryDelayAfter(scheduleMs: readonly number[], autoAttemptsDone: number): number | undefined {
  return autoAttemptsDone >= 1 ? scheduleMs[autoAttemptsDone - 1] : undefined;
}

export function maxAutoAttempts(scheduleMs: readonly number[]): number {
  return 1 + scheduleMs.length;
}

export interface WebhookSettings {
  /** HTTP timeout of one attempt (connect to last body byte); a listener gets the same to forward */
  timeoutMs: number;
  /** retry delays after attempt 1, 2, … (fact sheet §5.1) */
  retryScheduleMs: number[];
  /** require the exact `{"returnCode","returnMessage"}` shape (§5.5) */
  strictAck: boolean;
}

/** What `bpay listen` receives for each attempt: the exact body and the signed headers to forward. */
export interface PushedAttempt {
  attemptId: string;
  eventId: string;
  attemptNo: number;
  merchantId: number;
  bizType: string;
  bizId: string;
  bizStatus: string;
  /** the URL the server would have POSTed to (may be null: redelivery of a NO_TARGET event) */
  webhookUrl: string | null;
  headers: Record<string, string>;
  body: string;
  /** give the local endpoint this long (the server's own HTTP timeout) */
  forwardTimeoutMs: number;
  /** report within this many ms or the attempt fails and is retried */
  reportWithinMs: number;
}

/** Where the server writes Server-Sent Events for one connected listener. */
export interface ListenerSink {
  send(event: string, data: string): void;
  close(): void;
}

export interface ListenerInfo {
  listenerId: string;
  merchantId: number;
  nodeId: string;
  forwardTo: string | null;
  connectedAtMs: number;
  seenAtMs: number;
}

/** A listener's report of what its local endpoint answered. */
export interface ListenerReport {
  listenerId: string;
  /** HTTP status of the local endpoint; absent when the forward failed (error set) */
  status?: number | undefined;
  body?: string | undefined;
  latencyMs?: number | undefined;
  error?: string | undefined;
  forwardTo?: string | undefined;
}

export interface ListenerConnection {
  listenerId: string;
  close(): void;
}

/**
 * The dispatcher as services see it. The composition root wires the implementation
 * (src/outbox/dispatcher.ts); services cannot import the outbox beyond enqueue.
 */
export interface WebhookOperations {
  readonly settings: WebhookSettings;
  /** One pass: claim due events, deliver them, record attempts. Returns the number of attempts. */
  dispatchDue(): Promise<number>;
  /** A scheduled attempt of a PENDING event right now, if no one else holds it (test notifications). */
  deliverNow(eventId: string): Promise<WebhookAttempt | undefined>;
  /** A new MANUAL attempt (nothing overwritten); `url` overrides the stored target. */
  redeliver(eventId: string, options: { url?: string | undefined }): Promise<WebhookAttempt>;
  connectListener(input: { merchantId: number; forwardTo: string | null; sink: ListenerSink }): Promise<ListenerConnection>;
  reportListenerResult(attemptId: string, report: ListenerReport): Promise<WebhookAttempt>;
  listListeners(merchantId: number): Promise<ListenerInfo[]>;
  /**
   * Graceful shutdown: stops claiming, disconnects listeners, lets attempts in flight finish for up
   * to `drainMs` (then interrupts them: each is recorded and falls due again at once), and releases
   * every lease this process still holds so another node can take those events immediately.
   */
  shutdown(options?: { drainMs?: number }): Promise<void>;
}
