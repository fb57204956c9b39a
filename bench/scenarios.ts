/**
 * The bench scenarios. Every measured server is a fresh `bpay serve` process over a fresh
 * database; setup that needs a server (merchant, payers, a template order, paying orders for the
 * refund run) happens on an earlier process, and bulk rows are seeded with the server stopped.
 * After each run the database is checked against the answers (orders created = 2xx answers, …).
 */
import { randomBytes } from 'node:crypto';
import type { AutocannonRequest } from 'autocannon';
import { admin, BINANCE, binance, createMerchant, createOrderBody, createPayers, payOrders, signedHeaders, type MerchantCredentials } from './lib/api.ts';
import { createDatabase, type BenchDatabase, type Dialect } from './lib/databases.ts';
import { runLoad, type LoadResult, type LoadSettings } from './lib/load.ts';
import { latencyAtRate, type RateLatency } from './lib/open-loop.ts';
import { startCpuMeter } from './lib/cpu.ts';
import { ADMIN_TOKEN, startBpay, startHello, type Rss, type ServerProcess } from './lib/processes.ts';
import { seedOrders } from './lib/seed.ts';
import { payAndAwaitWebhooks, startReceiver, type WebhookResult } from './lib/webhook.ts';

export const SCENARIOS = ['hello', 'createOrder', 'queryOrder', 'pay', 'refund', 'webhook', 'backlog', 'scale'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Sizes {
  /** payments in the measured pay run (finite: each order is paid once) */
  payments: number;
  /** orders paid in the refund setup; the run refunds each up to 9 times */
  refundOrders: number;
  /** payments of the pay → webhook run and their rate per second */
  webhookPayments: number;
  webhookRate: number;
  /** webhook events waiting when a server starts (the backlog scenario) */
  backlogEvents: number;
  /** orders of the data-scale run */
  scaleOrders: number;
  /** the fixed rate (req/s) and length (s) of the query latency probe after queryOrder and scale */
  probeRate: number;
  probeSeconds: number;
}

export interface BenchContext {
  load: LoadSettings;
  sizes: Sizes;
  /** node flags for the measured server (profiling) */
  nodeArgs: string[];
  log(message: string): void;
}

export interface Outcome {
  scenario: ScenarioName;
  dialect: Dialect | 'reference';
  /** what was measured, in a phrase */
  label: string;
  load?: LoadResult;
  /** latency at a fixed rate below saturation (queryOrder and scale) */
  probe?: RateLatency;
  webhook?: WebhookResult;
  /** a backlog of webhook events drained by a server that starts with them waiting */
  drain?: DrainResult;
  /** the measured server process after the run */
  rss: Rss;
  /** database checks after the run: every one must hold */
  checks: Array<{ what: string; ok: boolean }>;
  info: Record<string, number | string>;
}

const tag = () => randomBytes(4).toString('hex').toUpperCase();

async function measured(ctx: BenchContext, db: BenchDatabase): Promise<ServerProcess> {
  return startBpay({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, nodeArgs: ctx.nodeArgs });
}

function setupServer(db: BenchDatabase): Promise<ServerProcess> {
  return startBpay({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });
}

/** A signed Binance Pay request whose body `next()` makes (a fresh nonce and signature each time). */
function signed(creds: MerchantCredentials, path: string, next: () => string): AutocannonRequest {
  return {
    method: 'POST',
    path: `${BINANCE}${path}`,
    setupRequest: (request) => {
      const body = next();
      return { ...request, body, headers: signedHeaders(creds, body) };
    },
  };
}

interface Prepared {
  db: BenchDatabase;
  creds: MerchantCredentials;
  payers: string[];
  /** the template order (made through the API) followed by the seeded ones */
  prepayIds: string[];
  seedSeconds: number;
  seedRowsPerSecond: number;
}

/** Merchant, payers and a template order on a setup server; then `seed` more orders bulk-inserted. */
async function prepare(ctx: BenchContext, dialect: Dialect, seed: number, options: { payers?: number; webhookUrl?: string } = {}): Promise<Prepared> {
  const db = await createDatabase(dialect);
  const server = await setupServer(db);
  let creds: MerchantCredentials;
  let payers: string[];
  let template: string;
  try {
    creds = await createMerchant(server.url, options.webhookUrl ?? null);
    payers = await createPayers(server.url, options.payers ?? 0);
    template = (await binance<{ prepayId: string }>(server.url, creds, '/v3/order', JSON.parse(createOrderBody(`T${tag()}`)))).prepayId;
  } finally {
    await server.stop();
  }
  let seedSeconds = 0;
  let seedRowsPerSecond = 0;
  let prepayIds = [template];
  if (seed > 0) {
    const step = Math.max(100_000, Math.floor(seed / 5));
    let reported = 0;
    const result = await seedOrders(db, template, seed, (done) => {
      if (done - reported >= step) {
        reported = done;
        ctx.log(`    seeded ${done.toLocaleString('en')} orders`);
      }
    });
    prepayIds = prepayIds.concat(result.prepayIds);
    seedSeconds = result.seconds;
    seedRowsPerSecond = result.rowsPerSecond;
  }
  return { db, creds, payers, prepayIds, seedSeconds, seedRowsPerSecond };
}

/**
 * `bpay ledger verify` once the workers are quiet: its queries are not one snapshot, so a refund
 * the worker settles between them reads as a mismatch; a real problem persists across tries.
 */
async function verifyLedger(url: string, db?: BenchDatabase): Promise<{ ok: boolean; problems: string[] }> {
  // the refund worker settles what the run left pending; verify once it is done (up to 2 minutes)
  for (let waited = 0; db && waited < 120_000; waited += 500) {
    if ((await db.scalar(`select count(*) from refunds where status = 'REFUND_PENDING'`)) === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  let result = { ok: false, problems: ['not run'] };
  for (let attempt = 0; attempt < 5; attempt++) {
    result = await admin<{ ok: boolean; problems: string[] }>(url, 'GET', '/ledger/verify');
    if (result.ok) return result;
    await new Promise((r) => setTimeout(r, 1500));
  }
  return result;
}

async function finish(server: ServerProcess): Promise<Rss> {
  const rss = server.rss();
  await server.stop();
  return rss;
}

export async function helloWorld(ctx: BenchContext): Promise<Outcome> {
  const server = await startHello();
  try {
    const body = createOrderBody('HELLO123');
    const { result } = await runLoad(
      { url: server.url, serverPid: server.pid, request: { method: 'POST', path: '/', body, headers: { 'content-type': 'application/json' } } },
      ctx.load,
    );
    return { scenario: 'hello', dialect: 'reference', label: 'bare Fastify POST, JSON in and out', load: result, rss: await finish(server), checks: [{ what: 'every answer 2xx', ok: result.non2xx === 0 && result.errors === 0 }], info: {} };
  } finally {
    await server.stop();
  }
}

export async function createOrderScenario(ctx: BenchContext, dialect: Dialect): Promise<Outcome> {
  const db = await createDatabase(dialect);
  try {
    const setup = await setupServer(db);
    const creds = await createMerchant(setup.url).finally(() => setup.stop());
    const server = await measured(ctx, db);
    const prefix = `B${tag()}`;
    let n = 0;
    const { result, warmup } = await runLoad({ url: server.url, serverPid: server.pid, request: signed(creds, '/v3/order', () => createOrderBody(`${prefix}${n++}`)) }, ctx.load);
    const rss = await finish(server);
    const rows = await db.scalar(`select count(*) from orders where merchant_trade_no like '${prefix}%'`);
    const answered = result.ok + (warmup?.ok ?? 0);
    return {
      scenario: 'createOrder',
      dialect,
      label: 'POST /v3/order, unique merchantTradeNo, fresh nonce and signature per request',
      load: result,
      rss,
      checks: [
        { what: 'every answer 2xx', ok: result.non2xx === 0 && result.errors === 0 },
        // autocannon stops counting at the deadline: requests still in flight then are served but not counted
        { what: `orders in the database (${rows}) = success answers (${answered}) + at most one in flight per connection`, ok: rows >= answered && rows - answered <= 2 * ctx.load.connections },
      ],
      info: { orders: rows },
    };
  } finally {
    await db.drop();
  }
}

/** Saturating queryOrder, then the same queries at a fixed rate for their latency. */
async function queryRun(ctx: BenchContext, server: ServerProcess, creds: MerchantCredentials, prepayIds: string[]): Promise<{ result: LoadResult; probe: RateLatency }> {
  const body = () => `{"prepayId":"${prepayIds[Math.floor(Math.random() * prepayIds.length)]}"}`;
  const { result } = await runLoad({ url: server.url, serverPid: server.pid, request: signed(creds, '/v2/order/query', body) }, ctx.load);
  const probe = await latencyAtRate(
    server.url,
    () => {
      const b = body();
      return { path: `${BINANCE}/v2/order/query`, body: b, headers: signedHeaders(creds, b) };
    },
    ctx.sizes.probeRate,
    ctx.sizes.probeSeconds,
  );
  return { result, probe };
}

export async function queryOrderScenario(ctx: BenchContext, dialect: Dialect, orders = 1000): Promise<Outcome> {
  const p = await prepare(ctx, dialect, orders - 1);
  try {
    const server = await measured(ctx, p.db);
    const { result, probe } = await queryRun(ctx, server, p.creds, p.prepayIds);
    const rss = await finish(server);
    return {
      scenario: 'queryOrder',
      dialect,
      label: `POST /v2/order/query by prepayId, random among ${orders.toLocaleString('en')} orders`,
      load: result,
      probe,
      rss,
      checks: [{ what: 'every answer 2xx (saturating run and fixed-rate probe)', ok: result.non2xx === 0 && result.errors === 0 && probe.failed === 0 }],
      info: { orders },
    };
  } finally {
    await p.db.drop();
  }
}

export async function payScenario(ctx: BenchContext, dialect: Dialect): Promise<Outcome> {
  const warm = Math.ceil(ctx.sizes.payments / 5);
  const p = await prepare(ctx, dialect, ctx.sizes.payments + warm, { payers: 20 });
  try {
    const server = await measured(ctx, p.db);
    const ids = p.prepayIds.slice(1);
    let n = 0;
    const request: AutocannonRequest = {
      method: 'POST',
      setupRequest: (r) => {
        const i = n++;
        return { ...r, path: `/admin/v1/orders/${ids[i % ids.length]}/pay`, body: `{"payer":"${p.payers[i % p.payers.length]}"}` };
      },
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    };
    const { result, warmup } = await runLoad({ url: server.url, serverPid: server.pid, request, amount: ctx.sizes.payments, warmupAmount: warm }, ctx.load);
    const verify = await verifyLedger(server.url);
    const rss = await finish(server);
    const paid = await p.db.scalar(`select count(*) from orders where status = 'PAID'`);
    const answered = result.ok + (warmup?.ok ?? 0);
    return {
      scenario: 'pay',
      dialect,
      label: `POST /admin/v1/orders/:prepayId/pay (payer → merchant through the ledger, PAY_SUCCESS enqueued), ${p.payers.length} payers`,
      load: result,
      rss,
      checks: [
        { what: 'every answer 2xx', ok: result.non2xx === 0 && result.errors === 0 },
        { what: `paid orders (${paid}) = success answers (${answered})`, ok: paid === answered },
        { what: `ledger verify ok${verify.ok ? '' : `: ${verify.problems.slice(0, 3).join('; ')}`}`, ok: verify.ok },
      ],
      info: { payments: answered, seedSeconds: round(p.seedSeconds) },
    };
  } finally {
    await p.db.drop();
  }
}

export async function refundScenario(ctx: BenchContext, dialect: Dialect): Promise<Outcome> {
  const orders = ctx.sizes.refundOrders;
  const p = await prepare(ctx, dialect, orders - 1, { payers: 20 });
  try {
    // pay every order on a setup server (not measured), then measure refunds on a fresh one
    const setup = await setupServer(p.db);
    await payOrders(setup.url, p.prepayIds, p.payers).finally(() => setup.stop());
    const server = await measured(ctx, p.db);
    const prefix = `R${tag()}`;
    let n = 0;
    // round-robin over the orders: at most 9 partial refunds of 1 USDT per 25.17 USDT order
    const next = () => {
      const i = n++;
      return `{"refundRequestId":"${prefix}${i}","prepayId":"${p.prepayIds[i % orders]}","refundAmount":"1","refundReason":"bench"}`;
    };
    const total = orders * 9;
    const warm = orders;
    const { result, warmup } = await runLoad({ url: server.url, serverPid: server.pid, request: signed(p.creds, '/order/refund', next), amount: total - warm, warmupAmount: warm }, ctx.load);
    const verify = await verifyLedger(server.url, p.db);
    const rss = await finish(server);
    const refunds = await p.db.scalar(`select count(*) from refunds where refund_request_id like '${prefix}%'`);
    const answered = result.ok + (warmup?.ok ?? 0);
    return {
      scenario: 'refund',
      dialect,
      label: `POST /order/refund, 1 USDT partial refunds round-robin over ${orders.toLocaleString('en')} paid orders (ledger reservation, order lock)`,
      load: result,
      rss,
      checks: [
        { what: 'every answer 2xx', ok: result.non2xx === 0 && result.errors === 0 },
        { what: `refunds in the database (${refunds}) = success answers (${answered})`, ok: refunds === answered },
        { what: `ledger verify ok${verify.ok ? '' : `: ${verify.problems.slice(0, 3).join('; ')}`}`, ok: verify.ok },
      ],
      info: { refunds },
    };
  } finally {
    await p.db.drop();
  }
}

export async function webhookScenario(ctx: BenchContext, dialect: Dialect): Promise<Outcome> {
  const receiver = await startReceiver();
  const count = ctx.sizes.webhookPayments;
  const warm = Math.min(200, Math.ceil(count / 5));
  const p = await prepare(ctx, dialect, count + warm - 1, { payers: 20, webhookUrl: receiver.url });
  try {
    const server = await measured(ctx, p.db);
    // warm-up: its webhooks arrive before the measured payments start
    await payAndAwaitWebhooks(server.url, receiver, p.prepayIds.slice(0, warm), p.payers, ctx.sizes.webhookRate, 10_000);
    const meter = startCpuMeter(server.pid);
    const result = await payAndAwaitWebhooks(server.url, receiver, p.prepayIds.slice(warm), p.payers, ctx.sizes.webhookRate);
    result.cpu = meter.stop();
    const rss = await finish(server);
    const events = await p.db.scalar(`select count(*) from outbox_events where biz_status = 'PAY_SUCCESS' and status = 'DELIVERED'`);
    return {
      scenario: 'webhook',
      dialect,
      label: `pay → PAY_SUCCESS webhook at a local receiver, ${ctx.sizes.webhookRate} payments/s (open loop)`,
      webhook: result,
      rss,
      checks: [
        { what: `every payment's webhook received (${result.delivered}/${result.payments})`, ok: result.delivered === result.payments && result.failedPayments === 0 },
        { what: `no duplicate deliveries (${result.duplicates})`, ok: result.duplicates === 0 },
        { what: `events DELIVERED in the database (${events}) = payments (${count + warm})`, ok: events === count + warm },
      ],
      info: {},
    };
  } finally {
    await receiver.close();
    await p.db.drop();
  }
}

export interface DrainResult {
  events: number;
  delivered: number;
  duplicates: number;
  /** from the server's start to the last event's receipt */
  seconds: number;
  perSecond: number;
}

/**
 * A backlog: `backlogEvents` payments made while no worker runs (BPAY_WORKERS=false), so their
 * PAY_SUCCESS events wait, as after a crash or an outage of the receiver; then a server with its
 * workers starts and drains them to a fast local receiver. Measures deliveries per second.
 */
export async function backlogScenario(ctx: BenchContext, dialect: Dialect): Promise<Outcome> {
  const receiver = await startReceiver();
  const count = ctx.sizes.backlogEvents;
  const p = await prepare(ctx, dialect, count - 1, { payers: 20, webhookUrl: receiver.url });
  try {
    const quietServer = await startBpay({ dataDir: p.db.dataDir, databaseUrl: p.db.databaseUrl, env: { BPAY_WORKERS: 'false' } });
    try {
      await payOrders(quietServer.url, p.prepayIds, p.payers);
    } finally {
      await quietServer.stop();
    }
    const waiting = await p.db.scalar(`select count(*) from outbox_events where status = 'PENDING'`);
    const server = await measured(ctx, p.db);
    // from the moment it listens: its workers start with it
    const started = performance.now();
    const deadline = started + 300_000;
    while (receiver.received.size < count && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const last = Math.max(started, ...receiver.received.values());
    const seconds = (last - started) / 1000;
    const rss = await finish(server);
    const delivered = await p.db.scalar(`select count(*) from outbox_events where status = 'DELIVERED'`);
    const drain: DrainResult = { events: count, delivered: receiver.received.size, duplicates: receiver.duplicates, seconds, perSecond: receiver.received.size / Math.max(seconds, 1e-3) };
    return {
      scenario: 'backlog',
      dialect,
      label: `${count.toLocaleString('en')} webhook events waiting at start, drained to a local receiver`,
      drain,
      rss,
      checks: [
        { what: `the backlog was there (${waiting} PENDING events = ${count})`, ok: waiting === count },
        { what: `every event received (${drain.delivered}/${count})`, ok: drain.delivered === count },
        { what: `no duplicate deliveries (${drain.duplicates})`, ok: drain.duplicates === 0 },
        { what: `events DELIVERED in the database (${delivered}) = ${count}`, ok: delivered === count },
      ],
      info: { events: count },
    };
  } finally {
    await receiver.close();
    await p.db.drop();
  }
}

/** queryOrder again, over `scaleOrders` bulk-seeded orders. */
export async function scaleScenario(ctx: BenchContext, dialect: Dialect): Promise<Outcome> {
  const orders = ctx.sizes.scaleOrders;
  ctx.log(`    seeding ${orders.toLocaleString('en')} orders (${dialect})`);
  const p = await prepare(ctx, dialect, orders - 1);
  try {
    ctx.log(`    seeded in ${p.seedSeconds.toFixed(1)} s (${Math.round(p.seedRowsPerSecond).toLocaleString('en')} rows/s)`);
    const count = await p.db.scalar('select count(*) from orders');
    const server = await measured(ctx, p.db);
    const { result, probe } = await queryRun(ctx, server, p.creds, p.prepayIds);
    const rss = await finish(server);
    return {
      scenario: 'scale',
      dialect,
      label: `POST /v2/order/query by prepayId, random among ${orders.toLocaleString('en')} bulk-seeded orders`,
      load: result,
      probe,
      rss,
      checks: [
        { what: 'every answer 2xx (saturating run and fixed-rate probe)', ok: result.non2xx === 0 && result.errors === 0 && probe.failed === 0 },
        { what: `orders in the database (${count}) = ${orders}`, ok: count === orders },
      ],
      info: { orders, seedSeconds: round(p.seedSeconds), seedRowsPerSecond: Math.round(p.seedRowsPerSecond) },
    };
  } finally {
    await p.db.drop();
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
