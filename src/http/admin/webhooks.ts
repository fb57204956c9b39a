/**
 * Webhook operations on the admin API: the event log and its attempts, redelivery, test
 * notifications, and the Server-Sent Events stream `bpay listen` holds open to receive each
 * attempt for a merchant (and the route it reports the local outcome to).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { OUTBOX_STATUSES, type ListenerInfo, type ListenerSink, type OutboxEvent, type WebhookAttempt } from '../../domain/webhook.ts';
import { getMerchant } from '../../services/merchants.ts';
import {
  connectWebhookListener,
  getWebhookEvent,
  listWebhookEvents,
  listWebhookListeners,
  redeliverWebhook,
  redeliverWebhooks,
  reportListenerResult,
  sendTestNotification,
  TEST_REF_TYPE,
  type EventQuery,
} from '../../services/webhooks.ts';
import { idParam, parseAdmin, sendOk, type AdminContext } from './plugin.ts';
import { idFilter, pageLimit, rowIdCursor } from '../shared/cursors.ts';

const targetUrl = z.string().max(2048).regex(/^https?:\/\//i, 'must be an http(s) URL').refine((v) => URL.canParse(v), 'must be a valid URL');
const numericId = z.string().regex(/^\d{1,19}$/, 'a numeric id');
const eventParams = z.object({ eventId: numericId });
const merchantParams = z.object({ merchantId: idParam });

/** Filters shared by list and bulk redelivery; `prepayId` finds PAY and PAY_REFUND events of an order (their bizId). */
const filterFields = {
  merchantId: idFilter,
  status: z.enum(OUTBOX_STATUSES as [string, ...string[]]).optional(),
  bizType: z.string().max(32).optional(),
  bizId: numericId.optional(),
  prepayId: numericId.optional(),
  refType: z.string().max(32).optional(),
  refId: z.string().max(64).optional(),
};

function toQuery(f: { merchantId?: number | undefined; status?: string | undefined; bizType?: string | undefined; bizId?: string | undefined; prepayId?: string | undefined; refType?: string | undefined; refId?: string | undefined }): EventQuery {
  return {
    merchantId: f.merchantId,
    status: f.status as EventQuery['status'],
    bizType: f.bizType,
    bizId: f.bizId ?? f.prepayId,
    refType: f.refType,
    refId: f.refId,
  };
}

export function eventView(e: OutboxEvent) {
  return {
    eventId: e.id,
    merchantId: e.merchantId,
    bizType: e.bizType,
    bizId: e.bizId,
    bizStatus: e.bizStatus,
    status: e.status,
    test: e.refType === TEST_REF_TYPE,
    webhookUrl: e.webhookUrl,
    refType: e.refType,
    refId: e.refId,
    attempts: e.attempts,
    autoAttempts: e.autoAttempts,
    nextAttemptAtMs: e.status === 'PENDING' ? e.nextAttemptAtMs : null,
    lastAttemptAtMs: e.lastAttemptAtMs,
    lastHttpStatus: e.lastHttpStatus,
    lastError: e.lastError,
    deliveredAtMs: e.deliveredAtMs,
    createdAtMs: e.createdAtMs,
    data: e.data,
  };
}

export function attemptView(a: WebhookAttempt) {
  return {
    attemptId: a.id,
    eventId: a.eventId,
    attemptNo: a.attemptNo,
    trigger: a.trigger,
    via: a.via,
    listenerId: a.listenerId,
    outcome: a.outcome,
    url: a.requestUrl,
    requestHeaders: a.requestHeaders,
    requestBody: a.requestBody,
    responseStatus: a.responseStatus,
    responseBody: a.responseBody,
    latencyMs: a.latencyMs,
    error: a.error,
    startedAtMs: a.startedAtMs,
    finishedAtMs: a.finishedAtMs,
  };
}

/** The JSON shapes of the admin webhook API (the CLI and tests read them). */
export type EventView = ReturnType<typeof eventView>;
export type AttemptView = ReturnType<typeof attemptView>;

function listenerView(l: ListenerInfo) {
  return { ...l };
}

const SSE_PING_MS = 15_000;

export function webhookRoutes(app: FastifyInstance, { deps }: AdminContext): void {
  app.get('/webhooks', async (request, reply) => {
    const q = parseAdmin(z.object({ ...filterFields, limit: pageLimit(500), before: rowIdCursor }), request.query);
    const events = await listWebhookEvents(deps, { ...toQuery(q), limit: q.limit, beforeId: q.before });
    return sendOk(reply, events.map(eventView));
  });

  app.get('/webhooks/:eventId', async (request, reply) => {
    const { eventId } = parseAdmin(eventParams, request.params);
    const { event, body, attempts } = await getWebhookEvent(deps, eventId);
    return sendOk(reply, { ...eventView(event), body, attemptLog: attempts.map(attemptView) });
  });

  app.post('/webhooks/:eventId/redeliver', async (request, reply) => {
    const { eventId } = parseAdmin(eventParams, request.params);
    const body = parseAdmin(z.object({ url: targetUrl.optional() }), request.body);
    const attempt = await redeliverWebhook(deps, eventId, body.url);
    const { event } = await getWebhookEvent(deps, eventId);
    return sendOk(reply, { event: eventView(event), attempt: attemptView(attempt) });
  });

  app.post('/webhooks/redeliver', async (request, reply) => {
    const body = parseAdmin(
      z.object({ ...filterFields, ids: z.array(numericId).min(1).max(500).optional(), url: targetUrl.optional(), limit: pageLimit(500) }),
      request.body,
    );
    const results = await redeliverWebhooks(deps, { ...toQuery(body), ids: body.ids, limit: body.limit }, body.url);
    return sendOk(
      reply,
      results.map((r) => ({ eventId: r.eventId, ...(r.attempt ? { attempt: attemptView(r.attempt) } : {}), ...(r.error ? { error: r.error } : {}) })),
    );
  });

  app.post('/merchants/:merchantId/webhooks/test', async (request, reply) => {
    const { merchantId } = parseAdmin(merchantParams, request.params);
    const body = parseAdmin(z.object({ url: targetUrl.optional() }), request.body);
    const sent = await sendTestNotification(deps, merchantId, body.url);
    return sendOk(reply, { event: eventView(sent.event), attempt: sent.attempt ? attemptView(sent.attempt) : null }, 201);
  });

  app.get('/merchants/:merchantId/webhooks/listeners', async (request, reply) => {
    const { merchantId } = parseAdmin(merchantParams, request.params);
    return sendOk(reply, (await listWebhookListeners(deps, merchantId)).map(listenerView));
  });

  /**
   * `bpay listen`: Server-Sent Events. `ready` once (listenerId, settings), then one `attempt` per
   * delivery attempt for this merchant (exact body + signed headers), comments as keep-alive.
   * While at least one listener is connected, attempts go to listeners instead of the merchant URL.
   */
  app.get('/merchants/:merchantId/webhooks/stream', async (request, reply) => {
    const { merchantId } = parseAdmin(merchantParams, request.params);
    const q = parseAdmin(z.object({ forwardTo: targetUrl.optional() }), request.query);
    await getMerchant(deps, merchantId);

    const raw = reply.raw;
    let open = true;
    const sink: ListenerSink = {
      send(event, data) {
        if (!open || raw.destroyed) throw new Error('listener connection is closed');
        raw.write(`event: ${event}\ndata: ${data}\n\n`);
      },
      close() {
        if (!open) return;
        open = false;
        raw.end();
      },
    };
    reply.hijack();
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    raw.flushHeaders();
    let connection: Awaited<ReturnType<typeof connectWebhookListener>>;
    try {
      connection = await connectWebhookListener(deps, merchantId, q.forwardTo ?? null, sink);
    } catch (error) {
      raw.end(`event: error\ndata: ${JSON.stringify({ message: (error as Error).message })}\n\n`);
      return;
    }
    const ping = setInterval(() => {
      if (open && !raw.destroyed) raw.write(': ping\n\n');
    }, SSE_PING_MS);
    ping.unref();
    const disconnected = () => {
      open = false;
      clearInterval(ping);
      connection.close();
    };
    raw.on('close', disconnected);
    // the client may have gone while we registered it
    if (raw.destroyed || request.raw.socket.destroyed) disconnected();
    const { timeoutMs, retryScheduleMs, strictAck } = deps.webhooks.settings;
    sink.send('ready', JSON.stringify({ listenerId: connection.listenerId, merchantId, forwardTo: q.forwardTo ?? null, timeoutMs, retryScheduleMs, strictAck }));
  });

  app.post('/webhook-attempts/:attemptId/result', async (request, reply) => {
    const { attemptId } = parseAdmin(z.object({ attemptId: numericId }), request.params);
    const body = parseAdmin(
      z.object({
        listenerId: z.string().min(1).max(64),
        status: z.number().int().min(100).max(599).optional(),
        body: z.string().max(1024 * 1024).optional(),
        latencyMs: z.number().int().min(0).optional(),
        error: z.string().max(2000).optional(),
        forwardTo: targetUrl.optional(),
      }),
      request.body,
    );
    return sendOk(reply, attemptView(await reportListenerResult(deps, attemptId, body)));
  });
}
