/**
 * Starts the real app on port 0 over a fresh database of one dialect, and gives tests a signed
 * SDK client per merchant and an admin API client. Everything goes through real HTTP.
 */
import { BinancePayClient } from '@binance-pay-server/sdk';
import { buildApp, type BuildAppOptions, type BuiltApp } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import type { DialectName } from '../../src/store/db.ts';
import { createTestDatabase, type TestDatabase } from './dialects.ts';

export interface MerchantCredentials {
  merchantId: number;
  apiKey: string;
  apiSecret: string;
}

export interface AdminResponse<T = unknown> {
  httpStatus: number;
  body: { status: string; code: string; data?: T; errorMessage?: string; [k: string]: unknown };
}

export interface TestServer {
  dialect: DialectName;
  baseUrl: string;
  built: BuiltApp;
  db: TestDatabase;
  config: Config;
  adminToken: string;
  /** Admin API call; never throws on an error answer. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<AdminResponse<T>>;
  /** Admin API call that must succeed; returns data. */
  adminOk<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  createMerchant(input?: { name?: string; webhookUrl?: string | null; ipAllowlist?: string[] | null }): Promise<MerchantCredentials>;
  client(creds: MerchantCredentials, options?: Partial<ConstructorParameters<typeof BinancePayClient>[0]>): BinancePayClient;
  close(): Promise<void>;
}

export async function startTestServer(dialect: DialectName, env: Record<string, string> = {}, options: Pick<BuildAppOptions, 'replay'> = {}): Promise<TestServer> {
  const db = await createTestDatabase(dialect);
  const config = loadConfig({ BPAY_DATA_DIR: db.dataDir, LOG_LEVEL: 'silent', BPAY_DEMO: 'false', BPAY_ADMIN_TOKEN: 'test-admin-token-0123456789', ...env }, { port: 0 });
  const built = await buildApp({ config, store: db.store, logger: false, ...options });
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const address = built.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  built.deps.settings.publicUrl = baseUrl;

  const admin = async <T>(method: string, path: string, body?: unknown): Promise<AdminResponse<T>> => {
    const response = await fetch(`${baseUrl}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${built.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { httpStatus: response.status, body: (await response.json()) as AdminResponse<T>['body'] };
  };

  const server: TestServer = {
    dialect,
    baseUrl,
    built,
    db,
    config,
    adminToken: built.adminToken,
    admin,
    async adminOk<T>(method: string, path: string, body?: unknown): Promise<T> {
      const r = await admin<T>(method, path, body);
      if (r.body.status !== 'SUCCESS') throw new Error(`admin ${method} ${path} failed: HTTP ${r.httpStatus} ${JSON.stringify(r.body)}`);
      return r.body.data as T;
    },
    async createMerchant(input = {}) {
      return server.adminOk<MerchantCredentials>('POST', '/merchants', { name: input.name ?? 'Test Shop', webhookUrl: input.webhookUrl ?? null, ipAllowlist: input.ipAllowlist ?? null });
    },
    client(creds, options = {}) {
      return new BinancePayClient({ apiKey: creds.apiKey, apiSecret: creds.apiSecret, baseUrl, ...options });
    },
    async close() {
      await built.close();
      await db.drop();
    },
  };
  return server;
}

/** A second node: another app on the test server's database (its own store), listening on port 0. */
export interface SecondNode {
  built: BuiltApp;
  baseUrl: string;
  client(creds: MerchantCredentials): BinancePayClient;
  close(): Promise<void>;
}

export async function startSecondNode(first: TestServer): Promise<SecondNode> {
  const built = await buildApp({ config: first.config, store: first.db.openAnother(), logger: false });
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const address = built.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    built,
    baseUrl,
    client: (creds) => new BinancePayClient({ apiKey: creds.apiKey, apiSecret: creds.apiSecret, baseUrl }),
    async close() {
      await built.close();
      await built.deps.store.close();
    },
  };
}
