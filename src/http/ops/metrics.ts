/**
 * Prometheus metrics (prom-client), one registry per app: several apps share a process in tests,
 * so nothing here is module state except the process-wide default metrics, which describe the
 * process and are registered once.
 *
 * What is counted where (docs/deployment.md lists every metric):
 * - HTTP: a root onSend/onResponse hook pair, labelled by the route *pattern* (never the raw URL)
 *   and the envelope `code` read from the first bytes of the answer (both surfaces answer
 *   `{"status":…,"code":"……",…}` first).
 * - Orders created: successful create-order answers (orders are only created through the API).
 * - Ledger transfers, outbox events (and so orders paid): tallied inside the business
 *   transaction and counted only once it commits (Store.onCommit), so a rolled-back or retried
 *   transaction counts nothing and no query runs at scrape time.
 * - Webhook attempts: the dispatcher reports each finished attempt of this process.
 * - Queue depth: one indexed query at scrape time (the only metric read from the database).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WebhookAttempt } from '../../domain/webhook.ts';
import type { QueueDepth } from '../../services/ops.ts';

/** The routes that create orders (fact sheet §3.1, §3.2). */
const CREATE_ORDER_ROUTES = new Set(['/binancepay/openapi/v3/order', '/binancepay/openapi/v2/order', '/binancepay/openapi/order']);
/** Envelope code at the start of an answer: {"status":"…","code":"123456" */
const ENVELOPE_CODE = /^\{"status":"[A-Z_]{1,32}","code":"(\d{1,12})"/;
const UNMATCHED_ROUTE = '(unmatched)';

let processRegistry: Registry | undefined;

/** Default process metrics (CPU, memory, event loop, GC), once per process. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface MetricsSources {
  /** the webhook queue at scrape time (whole database) */
  queueDepth(): Promise<QueueDepth>;
  /** business clock, for the age of the oldest due event */
  nowMs(): number;
  /** 1 while ready, 0 while shutting down */
  shuttingDown(): boolean;
  /** the webhook dispatcher's id of this process */
  nodeId(): string;
  dialect: string;
  log: { warn(obj: object, msg?: string): void };
}

export interface AppMetrics {
  readonly registry: Registry;
  /** Store.onCommit: what a committed transaction tallied. */
  onCommit(tally: ReadonlyMap<string, number>): void;
  /** DispatcherOptions.onAttempt */
  onAttempt(attempt: WebhookAttempt): void;
  /** Adds the request hooks to the root instance (before the surfaces are registered). */
  instrument(app: FastifyInstance): void;
  /** The exposition text: this app's metrics and the process's. */
  render(): Promise<{ contentType: string; body: string }>;
}

export function createMetrics(sources: MetricsSources): AppMetrics {
  const registry = new Registry();
  const http = httpMetrics(registry);
  const business = businessMetrics(registry);
  const state = stateGauges(registry, sources);
  return {
    registry,
    onCommit: business.onCommit,
    onAttempt: business.onAttempt,
    instrument: http.instrument,
    async render() {
      state.newScrape();
      const [own, proc] = await Promise.all([registry.metrics(), processMetrics().metrics()]);
      return { contentType: registry.contentType, body: `${own}\n${proc}` };
    },
  };
}

/** Requests by route, status and envelope code, their durations, and the orders created. */
function httpMetrics(registry: Registry): Pick<AppMetrics, 'instrument'> {
  const requests = new Counter({
    name: 'bpay_http_requests_total',
    help: 'HTTP requests answered, by route pattern, HTTP status and envelope code (Binance code, 000000 on success; "" for answers without an envelope)',
    labelNames: ['method', 'route', 'status_code', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'bpay_http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its answer, by route pattern and HTTP status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const ordersCreated = new Counter({ name: 'bpay_orders_created_total', help: 'Orders created through the Binance Pay API by this process', registers: [registry] });
  /** envelope code of each answer, read in onSend and used in onResponse */
  const codes = new WeakMap<FastifyRequest, string>();
  /** label children by series: the hot path skips prom-client's label hashing */
  const series = new Map<string, { count: { inc(): void }; time: { observe(value: number): void } }>();

  return {
    instrument(app) {
      // callback-style hooks: they run on every request, and skip a promise each
      app.addHook('onSend', (request, _reply, payload, done) => {
        const head = typeof payload === 'string' ? payload.slice(0, 64) : Buffer.isBuffer(payload) ? payload.subarray(0, 64).toString('latin1') : '';
        const m = ENVELOPE_CODE.exec(head);
        if (m?.[1]) codes.set(request, m[1]);
        done(null, payload);
      });
      app.addHook('onResponse', (request, reply, done) => {
        const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
        const code = codes.get(request) ?? '';
        const key = `${request.method} ${route} ${reply.statusCode} ${code}`;
        let s = series.get(key);
        if (!s) {
          const status = String(reply.statusCode);
          s = { count: requests.labels({ method: request.method, route, status_code: status, code }), time: duration.labels({ method: request.method, route, status_code: status }) };
          series.set(key, s);
        }
        s.count.inc();
        s.time.observe(reply.elapsedTime / 1000);
        if (code === '000000' && CREATE_ORDER_ROUTES.has(route)) ordersCreated.inc();
        done();
      });
    },

  };
}

/** What committed transactions wrote (ledger transfers, outbox events, paid orders) and webhook attempts. */
function businessMetrics(registry: Registry): Pick<AppMetrics, 'onCommit' | 'onAttempt'> {
  const ordersPaid = new Counter({ name: 'bpay_orders_paid_total', help: 'Orders paid (committed) by this process', registers: [registry] });
  const transfers = new Counter({
    name: 'bpay_ledger_transfers_total',
    help: 'Ledger transfers committed by this process, by kind and phase (PENDING reservations and their POST_PENDING/VOID_PENDING resolutions are rows of their own)',
    labelNames: ['kind', 'phase'] as const,
    registers: [registry],
  });
  const events = new Counter({
    name: 'bpay_webhook_events_total',
    help: 'Outbox events committed by this process, by bizType and bizStatus (test notifications included, as ref_type="test")',
    labelNames: ['biz_type', 'biz_status', 'ref_type'] as const,
    registers: [registry],
  });
  const attempts = new Counter({
    name: 'bpay_webhook_attempts_total',
    help: 'Webhook delivery attempts finished by this process, by outcome (SUCCESS, FAILED), trigger (SCHEDULE, MANUAL) and transport (HTTP, LISTENER)',
    labelNames: ['result', 'trigger', 'via'] as const,
    registers: [registry],
  });
  const attemptDuration = new Histogram({
    name: 'bpay_webhook_attempt_duration_seconds',
    help: 'Time a webhook receiver took to answer one attempt',
    labelNames: ['via'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    onCommit(tally) {
      for (const [key, n] of tally) {
        const parts = key.split('|');
        if (parts[0] === 'ledger_transfer') {
          transfers.inc({ kind: parts[1] ?? '', phase: parts[2] ?? '' }, n);
        } else if (parts[0] === 'outbox_event') {
          events.inc({ biz_type: parts[1] ?? '', biz_status: parts[2] ?? '', ref_type: parts[3] ?? '' }, n);
          if (parts[1] === 'PAY' && parts[2] === 'PAY_SUCCESS' && parts[3] === 'order') ordersPaid.inc(n);
        }
      }
    },

    onAttempt(attempt) {
      attempts.inc({ result: attempt.outcome ?? 'UNKNOWN', trigger: attempt.trigger, via: attempt.via });
      if (attempt.latencyMs !== null) attemptDuration.observe({ via: attempt.via }, attempt.latencyMs / 1000);
    },

  };
}

/** Gauges read at scrape time: the webhook queue (one query per scrape), readiness, this node. */
function stateGauges(registry: Registry, sources: MetricsSources): { newScrape(): void } {
  // prom-client collects metrics concurrently: both queue gauges share one query per scrape (the
  // read is forgotten when a scrape begins, so no scrape ever sees an earlier one's numbers)
  let queueRead: Promise<QueueDepth | undefined> | undefined;
  const readQueue = (): Promise<QueueDepth | undefined> => {
    queueRead ??= sources.queueDepth().catch((error: unknown) => {
      sources.log.warn({ err: error }, 'metrics: could not read the webhook queue');
      return undefined;
    });
    return queueRead;
  };
  new Gauge({
    name: 'bpay_webhook_queue_depth',
    help: 'PENDING webhook events in the whole database: due now, scheduled for a later retry, leased by a node (every node reports the same numbers)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const depth = await readQueue();
      if (!depth) return;
      this.set({ state: 'due' }, depth.due);
      this.set({ state: 'scheduled' }, depth.scheduled);
      this.set({ state: 'leased' }, depth.leased);
    },
  });
  new Gauge({
    name: 'bpay_webhook_oldest_due_age_seconds',
    help: 'How long the longest-waiting due webhook event has been due (0 when none): delivery lag, whole database',
    registers: [registry],
    async collect() {
      const depth = await readQueue();
      if (!depth) return;
      this.set(depth.oldestDueAtMs === null ? 0 : Math.max(0, sources.nowMs() - depth.oldestDueAtMs) / 1000);
    },
  });
  new Gauge({
    name: 'bpay_ready',
    help: '1 while this node accepts traffic, 0 once it is shutting down',
    registers: [registry],
    collect() {
      this.set(sources.shuttingDown() ? 0 : 1);
    },
  });
  new Gauge({
    name: 'bpay_node_info',
    help: 'This node: its webhook dispatcher id (as in the listener registry) and database dialect',
    labelNames: ['node_id', 'dialect'] as const,
    registers: [registry],
    collect() {
      this.set({ node_id: sources.nodeId(), dialect: sources.dialect }, 1);
    },
  });

  return {
    newScrape: () => void (queueRead = undefined),
  };
}
