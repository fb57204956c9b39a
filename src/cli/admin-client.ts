/**
 * How the CLI reaches a running server: the admin API over HTTP. URL from --url, BPAY_URL or the
 * default; token from --admin-token, BPAY_ADMIN_TOKEN or <data>/admin-token.
 */
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { ADMIN_TOKEN_FILE, readSecretIfExists } from '../config/data-dir.ts';

export class CliError extends Error {
  constructor(readonly code: string, message: string, readonly httpStatus?: number) {
    super(message);
    this.name = 'CliError';
  }
}

export interface GlobalOptions {
  url?: string;
  adminToken?: string;
  data?: string;
}

export class AdminClient {
  constructor(readonly baseUrl: string, private readonly token: string) {}

  static from(opts: GlobalOptions): AdminClient {
    const url = (opts.url ?? process.env.BPAY_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8080}`).replace(/\/+$/, '');
    const dataDir = resolve(opts.data ?? process.env.BPAY_DATA_DIR ?? './data');
    const token = opts.adminToken ?? process.env.BPAY_ADMIN_TOKEN ?? readSecretIfExists(dataDir, ADMIN_TOKEN_FILE);
    if (!token) {
      throw new CliError('NO_ADMIN_TOKEN', `No admin token: pass --admin-token, set BPAY_ADMIN_TOKEN, or run from the directory whose data/ holds ${ADMIN_TOKEN_FILE} (or pass --data).`);
    }
    return new AdminClient(url, token);
  }

  /** A raw authenticated request (e.g. a Server-Sent Events stream); the caller reads the response. */
  async open(path: string, init: { method?: string; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}/admin/v1${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${this.token}` } });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new CliError('SERVER_UNREACHABLE', `Cannot reach ${this.baseUrl}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}. Is \`bpay serve\` running? (--url to point elsewhere)`);
    }
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, 'x-bpay-actor': cliActor(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new CliError('SERVER_UNREACHABLE', `Cannot reach ${this.baseUrl}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}. Is \`bpay serve\` running? (--url to point elsewhere)`);
    }
    const text = await response.text();
    let envelope: { status?: string; code?: string; data?: T; errorMessage?: string };
    try {
      envelope = JSON.parse(text) as typeof envelope;
    } catch {
      throw new CliError('BAD_RESPONSE', `Unexpected answer from ${this.baseUrl} (HTTP ${response.status}): ${text.slice(0, 200)}`, response.status);
    }
    if (envelope.status !== 'SUCCESS') throw new CliError(envelope.code ?? 'UNKNOWN', envelope.errorMessage ?? `HTTP ${response.status}`, response.status);
    return envelope.data as T;
  }
}

/** How the CLI names itself in the audit log. */
function cliActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return `cli:${user}@${hostname()}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
}
