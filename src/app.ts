/**
 * Composition root: buildApp wires config, store, services and HTTP surfaces into one Fastify
 * instance. main.ts and the tests both use it.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { ADMIN_TOKEN_FILE, readOrCreateSecret, SECRET_KEY_FILE } from './config/data-dir.ts';
import type { Config } from './config/config.ts';
import { Errors, isAppError } from './domain/errors.ts';
import { adminPlugin, ADMIN_PREFIX } from './http/admin/plugin.ts';
import { merchantRoutes } from './http/admin/merchants.ts';
import { moneyOutRoutes } from './http/admin/money-out.ts';
import { sandboxRoutes } from './http/admin/sandbox.ts';
import { webhookRoutes } from './http/admin/webhooks.ts';
import { binancePayPlugin, BINANCE_PREFIX, type RecordedAnswers } from './http/binancepay/plugin.ts';
import { balanceRoutes } from './http/binancepay/routes/balance.ts';
import { certificatesRoutes } from './http/binancepay/routes/certificates.ts';
import { checkoutPlugin } from './http/checkout/plugin.ts';
import { controlCharacterGuard } from './http/shared/control-characters.ts';
import { dashboard, DASHBOARD_PREFIX } from './http/dashboard/index.ts';
import { orderRoutes } from './http/binancepay/routes/orders.ts';
import { payoutRoutes } from './http/binancepay/routes/payouts.ts';
import { profitSharingRoutes } from './http/binancepay/routes/profit-sharing.ts';
import { refundRoutes } from './http/binancepay/routes/refunds.ts';
import { subMerchantRoutes } from './http/binancepay/routes/sub-merchants.ts';
import { transferRoutes } from './http/binancepay/routes/transfers.ts';
import { type Clock, OffsetClock, systemClock } from './lib/clock.ts';
import { randomString, SnowflakeIds } from './lib/ids.ts';
import { stringifyJson } from './lib/json.ts';
import { Signal } from './lib/signal.ts';
import { SecretBox } from './lib/secret-box.ts';
import { activeSigner, ensureSigningKey } from './services/certificates.ts';
import { createDispatcher } from './outbox/dispatcher.ts';
import { OUTBOX_DELIVERABLE } from './outbox/enqueue.ts';
import { ensureDemo, type DemoCredentials } from './services/demo.ts';
import { newServiceCaches, type ServiceDeps } from './services/deps.ts';
import { openStore, type Store } from './store/db.ts';
import { readClockOffset } from './store/clock-repo.ts';
import { migrateToLatest } from './store/migrate.ts';
import { nonceRecorder } from './store/nonces-repo.ts';
import { orderInserter, orderReader } from './store/orders-repo.ts';
import { createWorkers, type Workers } from './workers/index.ts';
import { createMetrics, type AppMetrics } from './http/ops/metrics.ts';
import { opsPlugin } from './http/ops/plugin.ts';
import { createReadinessProbe, webhookQueueDepth } from './services/ops.ts';
import { RateLimiter } from './services/rate-limit.ts';
import { observedStore, withExclusiveLock } from './store/db.ts';

export interface BuildAppOptions {
  config: Config;
  /** An already-open store (tests share one per file); otherwise opened from config. */
  store?: Store;
  /** Base clock; the business clock is an OffsetClock over it (time control). Default: system. */
  clock?: Clock;
  /** pino logger options or false. Default: pino at config.logLevel. */
  logger?: boolean | object;
  /** answers recorded in a cassette, replayed before the simulation answers (`bpay serve --replay`) */
  replay?: RecordedAnswers;
}

export interface BuiltApp {
  app: FastifyInstance;
  deps: ServiceDeps;
  adminToken: string;
  businessClock: OffsetClock;
  demo: DemoCredentials | undefined;
  /** Background jobs; main.ts starts them, tests run `workers.runAll()`. */
  workers: Workers;
  /** The start-up text: URLs, where the admin token is, demo credentials. */
  banner(port: number): string;
  /** Prometheus metrics of this app (GET /metrics). */
  metrics: AppMetrics;
  /**
   * Graceful shutdown, bounded by `timeoutMs` (default BPAY_SHUTDOWN_TIMEOUT_MS): /readyz turns 503
   * (and the server keeps serving for `delayMs`, default BPAY_SHUTDOWN_DELAY_MS, so load balancers
   * notice), the server stops accepting connections and lets in-flight requests finish, the workers stop
   * after their current tick, webhook attempts in flight finish (or are interrupted and recorded),
   * claimed webhook leases are released, then the store closes (when buildApp opened it).
   */
  close(options?: { timeoutMs?: number; delayMs?: number }): Promise<void>;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export async function buildApp(options: BuildAppOptions): Promise<BuiltApp> {
  const { config } = options;
  const ownsStore = options.store === undefined;
  const opened = options.store ?? openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath, pgPoolSize: config.pgPoolSize, pgSchema: config.pgSchema });
  await migrateToLatest(opened);
  let shuttingDown = false;
  // metrics count what committed transactions wrote: each app observes its own view of the store
  const metrics = createMetrics({
    queueDepth: () => webhookQueueDepth(deps),
    nowMs: () => businessClock.now(),
    shuttingDown: () => shuttingDown,
    nodeId: () => webhooks.nodeId,
    dialect: opened.dialect,
    log: { warn: (obj, msg) => app.log.warn(obj, msg) },
  });
  // a commit that enqueued an event to send wakes the dispatcher: delivery starts at once, not at its
  // next interval (an event without a target or suppressed is never sent: no wake-up)
  const deliverableCommitted = new Signal();
  const store = observedStore(opened, (tally) => {
    metrics.onCommit(tally);
    if (tally.has(OUTBOX_DELIVERABLE)) void deliverableCommitted.emit();
  });

  const adminToken = config.adminToken ?? readOrCreateSecret(config.dataDir, ADMIN_TOKEN_FILE, () => randomString(48));
  const secrets = SecretBox.fromString(config.secretKey ?? readOrCreateSecret(config.dataDir, SECRET_KEY_FILE, SecretBox.generateKeyText));

  const baseClock = options.clock ?? systemClock;
  const businessClock = new OffsetClock(baseClock);
  // time control moved on this database before (this node's earlier life, or another node)
  businessClock.catchUp(await readClockOffset(opened.db));
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    // Binance ids and our own never need more; keeps hostile URLs cheap to reject
    routerOptions: { maxParamLength: 200 },
    // one line per request only when debugging: at load, request logs cost more than the request
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
  });

  // the webhook dispatcher signs with the key /certificates publishes (deps is read when it signs)
  const webhooks = createDispatcher({
    store,
    clock: businessClock,
    wallClock: baseClock,
    signer: () => activeSigner(deps),
    settings: { timeoutMs: config.webhookTimeoutMs, retryScheduleMs: config.webhookRetryScheduleMs, strictAck: config.webhookStrictAck },
    log: app.log,
    leaseSlackMs: config.webhookLeaseSlackMs,
    concurrency: config.webhookConcurrency,
    onAttempt: (attempt) => metrics.onAttempt(attempt),
  });
  // SSE listeners keep connections open: end them (and stop claiming) before Fastify waits for connections to close
  app.addHook('preClose', async () => webhooks.stop());
  metrics.instrument(app);
  // while shutting down, answers tell keep-alive clients to reconnect (through the load balancer, elsewhere)
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (shuttingDown) reply.header('connection', 'close');
    done(null, payload);
  });

  // Batched statements (nonces, new orders, order reads): SQLite statements are synchronous and
  // commit in groups anyway; on PostgreSQL each batch holds a pooled connection, so at most two run at once.
  const statementBatches = { maxInFlight: store.dialect === 'postgres' ? 2 : Number.POSITIVE_INFINITY };
  const deps: ServiceDeps = {
    store,
    clock: businessClock,
    ids: new SnowflakeIds(businessClock, config.nodeId),
    secrets,
    settings: {
      strict: config.strict,
      timestampWindowMs: config.timestampWindowMs,
      signatureDebug: config.signatureDebug,
      signatureCaseInsensitive: config.signatureCaseInsensitive,
      commissionRate: config.commissionRate,
      rates: config.rates,
      assets: config.assets,
      publicUrl: config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
    },
    log: app.log,
    caches: newServiceCaches(),
    nonces: nonceRecorder(store, statementBatches),
    insertOrder: orderInserter(store, statementBatches),
    readOrder: orderReader(store, statementBatches),
    events: { timeMoved: new Signal() },
    webhooks,
    rateLimiter: config.rateLimit ? new RateLimiter(store, config.rateLimit.limit, config.rateLimit.windowMs, baseClock) : undefined,
  };

  // nodes starting at once on one PostgreSQL run first-start setup one at a time
  const demo = await withExclusiveLock(opened, 'first-start', async () => {
    await ensureSigningKey(deps);
    return config.demo ? ensureDemo(deps) : undefined;
  });
  const workers = createWorkers(deps);
  deliverableCommitted.on(() => workers.wakeDispatcher());
  deps.events.timeMoved.on(() => workers.runAll());

  // routes without an error handler of their own (ops, the root 404) answer JSON too; plugins
  // registered after this inherit it
  app.setErrorHandler((error, request, reply) => {
    if (isAppError(error)) {
      return reply
        .code(error.spec.httpStatus)
        .type('application/json; charset=utf-8')
        .send(stringifyJson({ status: 'FAIL', code: error.spec.code, errorMessage: error.message }));
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status === undefined || status >= 500) request.log.error({ err: error }, 'unexpected failure');
    const code = status !== undefined && status < 500 ? Errors.INVALID_REQUEST : Errors.UNKNOWN_ERROR;
    return reply
      .code(status !== undefined && status < 500 ? status : 500)
      .type('application/json; charset=utf-8')
      .send(stringifyJson({ status: 'FAIL', code: code.code, errorMessage: code === Errors.INVALID_REQUEST ? (error as Error).message : code.message }));
  });

  // every surface refuses control characters in path, query and body strings before its handlers
  // run; the Binance Pay surface checks its body itself, after authentication (docs/errors.md)
  app.addHook('preValidation', controlCharacterGuard([BINANCE_PREFIX]));

  await app.register(binancePayPlugin(deps, [certificatesRoutes, orderRoutes, refundRoutes, payoutRoutes, balanceRoutes, transferRoutes, subMerchantRoutes, profitSharingRoutes], config.bodyLimitBytes, options.replay), { prefix: BINANCE_PREFIX });
  await app.register(adminPlugin(deps, adminToken, [merchantRoutes, sandboxRoutes, moneyOutRoutes, webhookRoutes], config.bodyLimitBytes), { prefix: ADMIN_PREFIX });

  await app.register(checkoutPlugin(deps));
  await app.register(dashboard(deps, adminToken), { prefix: DASHBOARD_PREFIX });

  await app.register(opsPlugin({ metrics, readiness: createReadinessProbe(deps), metricsToken: config.metricsToken, shuttingDown: () => shuttingDown }));

  // Anything else: a JSON 404, never Fastify's default or an HTML page.
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/json; charset=utf-8')
      .send(stringifyJson({ status: 'FAIL', code: Errors.PATH_NOT_FOUND.code, errorMessage: `No route ${request.method} ${request.url.split('?')[0]}. The Binance Pay API lives under ${BINANCE_PREFIX}, the admin API under ${ADMIN_PREFIX}.` })),
  );
  let closing: Promise<void> | undefined;
  return {
    app,
    deps,
    adminToken,
    businessClock,
    demo,
    workers,
    banner: (port) => startupBanner(config, port, adminToken, demo),
    metrics,
    close({ timeoutMs = config.shutdownTimeoutMs, delayMs = config.shutdownDelayMs } = {}) {
      closing ??= (async () => {
        shuttingDown = true;
        if (delayMs > 0) await delay(delayMs);
        webhooks.stop();
        const http = (async () => {
          const closed = app.close();
          // a keep-alive connection becomes idle when its last request ends: close it then, not at keepAliveTimeout
          const idle = setInterval(() => app.server.closeIdleConnections(), 50);
          try {
            if (await Promise.race([closed.then(() => false), delay(timeoutMs).then(() => true)])) {
              app.log.warn({ timeoutMs }, 'requests still running at the shutdown deadline: closing their connections');
              app.server.closeAllConnections();
              await closed;
            }
          } finally {
            clearInterval(idle);
          }
        })();
        // in parallel: the current worker ticks end, attempts in flight drain, leases are released
        const background = Promise.all([workers.stop(), webhooks.shutdown({ drainMs: timeoutMs })]);
        await Promise.all([http, background]);
        if (ownsStore) await opened.close();
      })();
      return closing;
    },
  };
}

function startupBanner(config: Config, port: number, adminToken: string, demo: DemoCredentials | undefined): string {
  const base = config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const db = config.databaseUrl ? `PostgreSQL ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')}` : `SQLite ${config.sqlitePath}`;
  const tokenSource = config.adminToken ? 'from BPAY_ADMIN_TOKEN' : `saved in ${config.dataDir}/${ADMIN_TOKEN_FILE}`;
  const lines = [
    `binance-pay-server listening on ${base} (${db})`,
    `  Binance Pay API  ${base}${BINANCE_PREFIX}/...   (point any Binance Pay SDK's base URL at ${base})`,
    `  Admin API        ${base}${ADMIN_PREFIX}/...   admin token ${adminToken} (${tokenSource})`,
  ];
  if (config.strict) lines.push('  Strict fidelity mode: 1 s timestamp window, no signature debugger.');
  if (demo) {
    lines.push(
      '',
      `Demo merchant "${demo.merchantName}"`,
      `  merchantId  ${demo.merchantId}`,
      `  apiKey      ${demo.apiKey}      (header BinancePay-Certificate-SN)`,
      `  apiSecret   ${demo.apiSecret}`,
      `Demo payer    binanceId ${demo.payerBinanceId}  email ${demo.payerEmail}  (funded 10000 USDT, 1000 USDC, 50 BNB, 1 BTC)`,
      '',
      `Pay an order:  npx bpay pay <prepayId> --payer ${demo.payerBinanceId}`,
    );
  }
  return lines.join('\n');
}
