/**
 * Configuration: parsed and validated once from flags and environment (flags win).
 * Defaults give the embedded sandbox: SQLite in ./data, 127.0.0.1:8080.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** postgres://… or undefined for SQLite at <dataDir>/bpay.sqlite */
  databaseUrl: string | undefined;
  sqlitePath: string;
  /** BPAY_ADMIN_TOKEN; undefined → generated into <dataDir>/admin-token */
  adminToken: string | undefined;
  /** BPAY_SECRET_KEY; undefined → generated into <dataDir>/secret.key */
  secretKey: string | undefined;
  /** Base URL written into checkout links; default http://<host>:<port> */
  publicUrl: string | undefined;
  /** Strict fidelity: 1 s timestamp window, no signature debugger, Binance-only behaviour. */
  strict: boolean;
  timestampWindowMs: number;
  signatureDebug: boolean;
  /** Accept lower-case hex signatures (Binance appears not to; fact sheet §1.3). */
  signatureCaseInsensitive: boolean;
  bodyLimitBytes: number;
  trustProxy: boolean;
  demo: boolean;
  logLevel: string;
  workers: boolean;
  /** Interval of the expiry sweeper and other clock-driven loops. */
  workerIntervalMs: number;
  /** Default merchant commission as a decimal rate (0.01 = 1 %). Binance charges merchants a fee; default 0. */
  commissionRate: string;
  /** Price of one unit of each asset/fiat in USDT, for fiat orders and paying in another currency. */
  rates: Record<string, string>;
  /** Assets a merchant may price orders in (upper-case crypto). */
  assets: string[];
  pgPoolSize: number;
  /** BPAY_WEBHOOK_TIMEOUT_MS: one webhook attempt, connect to last byte (default 10 s) */
  webhookTimeoutMs: number;
  /** BPAY_WEBHOOK_RETRY_SCHEDULE: delays of the retries after a failed attempt (fact sheet §5.1: up to 6) */
  webhookRetryScheduleMs: number[];
  /** BPAY_WEBHOOK_STRICT_ACK: the answer must be exactly {"returnCode":"SUCCESS","returnMessage":…} */
  webhookStrictAck: boolean;
  /** BPAY_WEBHOOK_LEASE_SLACK_MS: how much longer than one attempt a node holds a claimed event (clock skew between nodes) */
  webhookLeaseSlackMs: number;
  /** BPAY_WEBHOOK_CONCURRENCY: webhook attempts in flight at once per node (default 64) */
  webhookConcurrency: number;
  /** BPAY_PG_SCHEMA: PostgreSQL schema of every table (default public); lets several installations share one database */
  pgSchema: string | undefined;
  /** BPAY_SHUTDOWN_TIMEOUT_MS: how long SIGTERM/SIGINT waits for in-flight requests and webhook attempts */
  shutdownTimeoutMs: number;
  /** BPAY_SHUTDOWN_DELAY_MS: after SIGTERM, keep serving with /readyz answering 503 this long, so a load balancer stops routing here first */
  shutdownDelayMs: number;
  /** BPAY_NODE_ID (0–1023): this node's bits in generated ids; undefined = random. Give each node its own. */
  nodeId: number | undefined;
  /** BPAY_METRICS_TOKEN: bearer token GET /metrics requires; undefined = /metrics is open */
  metricsToken: string | undefined;
  /** BPAY_RATE_LIMIT ("100/1s"): per-API-key request limit on the Binance Pay surface, one budget for every node on the database; undefined = off */
  rateLimit: RateLimitSetting | undefined;
}

export interface RateLimitSetting {
  /** requests allowed per window (also the burst) */
  limit: number;
  windowMs: number;
}

export interface ConfigFlags {
  port?: string | number;
  host?: string;
  data?: string;
  db?: string;
  strict?: boolean;
  demo?: boolean;
}

const DEFAULT_RATES: Record<string, string> = {
  USDT: '1',
  USDC: '1',
  FDUSD: '1',
  BUSD: '1',
  BTC: '65000',
  ETH: '3200',
  BNB: '600',
  SOL: '150',
  TRX: '0.12',
  XRP: '0.5',
  DOGE: '0.15',
  TON: '5.5',
  MBOX: '0.1',
  // fiat: USDT per unit (fact sheet §3.1: fiatCurrency orders become USDT orders)
  USD: '1',
  EUR: '1.08',
  GBP: '1.27',
  HKD: '0.128',
  JPY: '0.0067',
  CNY: '0.138',
  AUD: '0.66',
  CAD: '0.73',
  SGD: '0.74',
  TRY: '0.031',
  BRL: '0.18',
  INR: '0.012',
  NGN: '0.00066',
  AED: '0.2723',
};

const DEFAULT_ASSETS = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'BTC', 'ETH', 'BNB', 'SOL', 'TRX', 'XRP', 'DOGE', 'TON', 'MBOX'];

const bool = z
  .union([z.boolean(), z.string()])
  .transform((v) => (typeof v === 'boolean' ? v : ['1', 'true', 'yes', 'on'].includes(v.toLowerCase())));

const rate = z.string().regex(/^\d+(\.\d{1,18})?$/, 'a non-negative decimal');

const schema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  dataDir: z.string().min(1),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// (SQLite is used when it is unset)')
    .optional(),
  adminToken: z.string().min(16, 'BPAY_ADMIN_TOKEN must be at least 16 characters').optional(),
  secretKey: z.string().min(16, 'BPAY_SECRET_KEY must be at least 16 characters').optional(),
  publicUrl: z.url().optional(),
  strict: bool,
  timestampWindowMs: z.coerce.number().int().positive().optional(),
  signatureDebug: bool.optional(),
  signatureCaseInsensitive: bool,
  bodyLimitBytes: z.coerce.number().int().min(1024),
  trustProxy: bool,
  demo: bool,
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  workers: bool,
  workerIntervalMs: z.coerce.number().int().min(10),
  commissionRate: rate,
  rates: z.record(z.string().regex(/^[A-Z0-9]{2,10}$/), rate),
  assets: z.array(z.string().regex(/^[A-Z0-9]{2,10}$/)).min(1),
  pgPoolSize: z.coerce.number().int().min(1).max(200),
  webhookTimeoutMs: z.coerce.number().int().min(1).max(300_000),
  webhookRetryScheduleMs: z.array(z.number().int().min(0).max(30 * 86_400_000)).max(50),
  webhookStrictAck: bool,
  webhookLeaseSlackMs: z.coerce.number().int().min(0).max(3_600_000),
  webhookConcurrency: z.coerce.number().int().min(1).max(1000),
  pgSchema: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'BPAY_PG_SCHEMA must be a plain identifier (letters, digits, _)').optional(),
  shutdownTimeoutMs: z.coerce.number().int().min(0).max(600_000),
  shutdownDelayMs: z.coerce.number().int().min(0).max(600_000),
  metricsToken: z.string().min(16, 'BPAY_METRICS_TOKEN must be at least 16 characters').optional(),
  nodeId: z.coerce.number().int().min(0).max(1023).optional(),
});

/** Default retry delays: 6 retries after the first attempt (fact sheet §5.1; intervals are ours). */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = '15s,1m,5m,15m,1h,2h';

/** "15s,1m,5m" (units ms, s, m, h, d; bare numbers are ms); "" or "none" = no retries. */
export function parseDurationList(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'none') return [];
  return trimmed.split(',').map((part) => {
    const m = /^(\d+)(ms|s|m|h|d)?$/.exec(part.trim());
    if (!m) throw new Error(`BPAY_WEBHOOK_RETRY_SCHEDULE: "${part.trim()}" is not a duration like 15s, 1m, 2h or 500ms`);
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
    return Number(m[1]) * unit;
  });
}

/** "100/1s", "600/1m", "5/500ms", or "off"/"" (no limit). */
export function parseRateLimit(text: string | undefined): RateLimitSetting | undefined {
  const trimmed = (text ?? '').trim();
  if (trimmed === '' || ['off', 'none', 'false', '0'].includes(trimmed.toLowerCase())) return undefined;
  const m = /^(\d+)\s*\/\s*(\d*)(ms|s|m|h)$/.exec(trimmed);
  const limit = Number(m?.[1]);
  const windowMs = m ? Number(m[2] === '' ? 1 : m[2]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[3] as 'ms'] : NaN;
  if (!m || !Number.isSafeInteger(limit) || limit < 1 || !Number.isSafeInteger(windowMs) || windowMs < 1) {
    throw new Error(`invalid configuration: BPAY_RATE_LIMIT: "${trimmed}" is not a limit like 100/1s, 600/1m or 20/500ms (or off)`);
  }
  return { limit, windowMs };
}

function parseRates(text: string | undefined): Record<string, string> {
  if (!text) return {};
  const out: Record<string, string> = {};
  for (const pair of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [asset, value] = pair.split(/[:=]/);
    if (!asset || !value) throw new Error(`BPAY_RATES: expected ASSET:RATE pairs, got "${pair}"`);
    out[asset.trim().toUpperCase()] = value.trim();
  }
  return out;
}

/** Reads config from flags and environment. Throws an Error whose message names the bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: ConfigFlags = {}): Config {
  const dataDir = resolve(flags.data ?? env.BPAY_DATA_DIR ?? './data');
  const extraAssets = (env.BPAY_ASSETS ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const raw = {
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    port: flags.port ?? env.PORT ?? 8080,
    dataDir,
    databaseUrl: flags.db ?? (env.DATABASE_URL || undefined),
    adminToken: env.BPAY_ADMIN_TOKEN || undefined,
    secretKey: env.BPAY_SECRET_KEY || undefined,
    publicUrl: env.BPAY_PUBLIC_URL || undefined,
    strict: flags.strict ?? env.BPAY_STRICT ?? false,
    timestampWindowMs: env.BPAY_TIMESTAMP_WINDOW_MS || undefined,
    signatureDebug: env.BPAY_SIGNATURE_DEBUG || undefined,
    signatureCaseInsensitive: env.BPAY_SIGNATURE_CASE_INSENSITIVE ?? false,
    bodyLimitBytes: env.BPAY_BODY_LIMIT ?? 1024 * 1024,
    trustProxy: env.BPAY_TRUST_PROXY ?? false,
    demo: flags.demo ?? env.BPAY_DEMO ?? true,
    logLevel: env.LOG_LEVEL ?? 'info',
    workers: env.BPAY_WORKERS ?? true,
    workerIntervalMs: env.BPAY_WORKER_INTERVAL_MS ?? 1000,
    commissionRate: env.BPAY_COMMISSION_RATE ?? '0',
    rates: { ...DEFAULT_RATES, ...parseRates(env.BPAY_RATES) },
    assets: [...new Set([...DEFAULT_ASSETS, ...extraAssets])],
    pgPoolSize: env.BPAY_PG_POOL_SIZE ?? 10,
    webhookTimeoutMs: env.BPAY_WEBHOOK_TIMEOUT_MS ?? 10_000,
    webhookRetryScheduleMs: parseDurationList(env.BPAY_WEBHOOK_RETRY_SCHEDULE ?? DEFAULT_WEBHOOK_RETRY_SCHEDULE),
    webhookStrictAck: env.BPAY_WEBHOOK_STRICT_ACK ?? false,
    webhookLeaseSlackMs: env.BPAY_WEBHOOK_LEASE_SLACK_MS ?? 60_000,
    webhookConcurrency: env.BPAY_WEBHOOK_CONCURRENCY ?? 64,
    pgSchema: env.BPAY_PG_SCHEMA || undefined,
    shutdownTimeoutMs: env.BPAY_SHUTDOWN_TIMEOUT_MS ?? 10_000,
    shutdownDelayMs: env.BPAY_SHUTDOWN_DELAY_MS ?? 0,
    metricsToken: env.BPAY_METRICS_TOKEN || undefined,
    nodeId: env.BPAY_NODE_ID || undefined,
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`invalid configuration: ${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}`);
  }
  const c = parsed.data;
  return {
    ...c,
    databaseUrl: c.databaseUrl,
    sqlitePath: resolve(dataDir, 'bpay.sqlite'),
    adminToken: c.adminToken,
    secretKey: c.secretKey,
    publicUrl: c.publicUrl?.replace(/\/+$/, ''),
    // strict fidelity: Binance documents a 1 s window (fact sheet §1.4); the sandbox default forgives drift
    timestampWindowMs: c.timestampWindowMs ?? (c.strict ? 1000 : 60_000),
    signatureDebug: c.signatureDebug ?? !c.strict,
    pgSchema: c.pgSchema,
    metricsToken: c.metricsToken,
    nodeId: c.nodeId,
    rateLimit: parseRateLimit(env.BPAY_RATE_LIMIT),
  };
}
