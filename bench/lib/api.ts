/**
 * Talking to a bench server: request signing exactly as Binance clients do (fact sheet §1.3:
 * HMAC-SHA512 over `timestamp \n nonce \n body \n`, upper-case hex), the admin API, and the setup
 * calls scenarios need (merchant, payers, orders, payments) run with bounded concurrency.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { ADMIN_TOKEN } from './processes.ts';

export interface MerchantCredentials {
  merchantId: number;
  apiKey: string;
  apiSecret: string;
}

export const BINANCE = '/binancepay/openapi';
const agent = new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });

let noncePool = Buffer.alloc(0);
let nonceAt = 0;

/** 32 hex characters: [A-Za-z0-9]{32} as the nonce rule asks, unique per request. */
export function newNonce(): string {
  if (nonceAt + 16 > noncePool.length) {
    noncePool = randomBytes(16 * 4096);
    nonceAt = 0;
  }
  const nonce = noncePool.toString('hex', nonceAt, nonceAt + 16);
  nonceAt += 16;
  return nonce;
}

/** The four BinancePay-* headers for this exact body, with a fresh timestamp and nonce. */
export function signedHeaders(creds: MerchantCredentials, body: string): Record<string, string> {
  const timestamp = String(Date.now());
  const nonce = newNonce();
  const signature = createHmac('sha512', creds.apiSecret).update(`${timestamp}\n${nonce}\n${body}\n`).digest('hex').toUpperCase();
  return {
    'content-type': 'application/json',
    'binancepay-timestamp': timestamp,
    'binancepay-nonce': nonce,
    'binancepay-certificate-sn': creds.apiKey,
    'binancepay-signature': signature,
  };
}

export interface Envelope<T = unknown> {
  status: string;
  code: string;
  data?: T;
  errorMessage?: string;
}

async function call<T>(url: string, headers: Record<string, string>, body: string | undefined, method = 'POST'): Promise<{ status: number; body: Envelope<T> }> {
  const response = await request(url, { method: method as 'POST', headers, body, dispatcher: agent });
  const text = await response.body.text();
  let parsed: Envelope<T>;
  try {
    parsed = JSON.parse(text) as Envelope<T>;
  } catch {
    throw new Error(`${method} ${url}: HTTP ${response.statusCode}, not JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.statusCode, body: parsed };
}

/** Admin API call that must succeed; returns data. */
export async function admin<T>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await call<T>(`${baseUrl}/admin/v1${path}`, headers, body === undefined ? undefined : JSON.stringify(body), method);
  if (r.body.status !== 'SUCCESS') throw new Error(`admin ${method} ${path}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.data as T;
}

/** Signed Binance Pay call that must succeed; returns data. */
export async function binance<T>(baseUrl: string, creds: MerchantCredentials, path: string, body: unknown): Promise<T> {
  const text = JSON.stringify(body);
  const r = await call<T>(`${baseUrl}${BINANCE}${path}`, signedHeaders(creds, text), text);
  if (r.body.status !== 'SUCCESS') throw new Error(`${path}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.data as T;
}

export function createMerchant(baseUrl: string, webhookUrl: string | null = null): Promise<MerchantCredentials> {
  return admin<MerchantCredentials>(baseUrl, 'POST', '/merchants', { name: 'Bench Shop', webhookUrl, ipAllowlist: null });
}

/** Simulated payers, each funded well beyond what a run spends. */
export async function createPayers(baseUrl: string, count: number): Promise<string[]> {
  const payers: string[] = [];
  for (let i = 0; i < count; i++) {
    const payer = await admin<{ binanceId: string }>(baseUrl, 'POST', '/payers', { email: `bench${i}@example.com`, fund: ['100000000:USDT'] });
    payers.push(String(payer.binanceId));
  }
  return payers;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function forEachConcurrent(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Pays orders through the admin API (setup, not measured), spreading them over the payers. */
export async function payOrders(baseUrl: string, prepayIds: string[], payers: string[]): Promise<void> {
  await forEachConcurrent(prepayIds.length, 16, async (i) => {
    await admin(baseUrl, 'POST', `/orders/${prepayIds[i]}/pay`, { payer: payers[i % payers.length] });
  });
}

export async function closeAgent(): Promise<void> {
  await agent.close();
}

/** The createOrder v3 body the bench sends (fact sheet §3.1), with a unique merchantTradeNo. */
export function createOrderBody(merchantTradeNo: string, webhookUrl?: string): string {
  return JSON.stringify({
    env: { terminalType: 'WEB' },
    merchantTradeNo,
    orderAmount: '25.17',
    currency: 'USDT',
    description: 'Bench order',
    goodsDetails: [{ goodsType: '01', goodsCategory: 'D000', referenceGoodsId: '7876763A3B', goodsName: 'Ice Cream' }],
    ...(webhookUrl ? { webhookUrl } : {}),
  });
}
