/**
 * The kit's HTTP client: signed Binance Pay requests exactly as a merchant sends them (fact sheet
 * §1), over fetch, with every signed part overridable so error cases can be sent on purpose. It
 * knows nothing of this server: the same code talks to production.
 */
import { randomString } from '../lib/ids.ts';
import { stringifyJson } from '../lib/json.ts';
import { hmacSha512UpperHex, signaturePayload } from '../lib/signature.ts';

export interface KitCredentials {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
}

export interface SendOverrides {
  /** exact body text to send and sign, instead of JSON.stringify(body) */
  rawBody?: string;
  timestamp?: string;
  nonce?: string;
  /** sent as is instead of the computed signature */
  signature?: string;
  /** signs with this secret instead of the merchant's */
  signWith?: string;
  apiKey?: string;
  /** null: no content-type header */
  contentType?: string | null;
  method?: string;
}

export interface KitExchange {
  method: string;
  path: string;
  requestHeaders: Record<string, string>;
  requestBody: string;
  httpStatus: number;
  responseText: string;
  /** transport failure (no answer): the message */
  transportError?: string;
}

export class KitClient {
  constructor(
    private readonly creds: KitCredentials,
    private readonly options: { fetch?: typeof fetch; timeoutMs?: number; now?: () => number } = {},
  ) {}

  get baseUrl(): string {
    return this.creds.baseUrl;
  }

  now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** The headers a Binance Pay client sends for `bodyText` (fact sheet §1.2, §1.3). */
  headersFor(bodyText: string, o: SendOverrides = {}): Record<string, string> {
    const timestamp = o.timestamp ?? String(this.now());
    const nonce = o.nonce ?? randomString(32);
    const signature = o.signature ?? hmacSha512UpperHex(o.signWith ?? this.creds.apiSecret, signaturePayload(timestamp, nonce, bodyText));
    const headers: Record<string, string> = {
      'BinancePay-Timestamp': timestamp,
      'BinancePay-Nonce': nonce,
      'BinancePay-Certificate-SN': o.apiKey ?? this.creds.apiKey,
      'BinancePay-Signature': signature,
    };
    if (o.contentType !== null) headers['content-type'] = o.contentType ?? 'application/json';
    return headers;
  }

  async send(path: string, body: unknown, o: SendOverrides = {}): Promise<KitExchange> {
    // stringifyJson writes JsonNumber literals as given: 0.00000001, not JSON.stringify's 1e-8
    const bodyText = o.rawBody ?? (body === undefined ? '' : stringifyJson(body));
    const headers = this.headersFor(bodyText, o);
    return this.sendPrepared(path, bodyText, headers, o.method ?? 'POST');
  }

  /** Sends exactly these headers and body (a replayed request keeps its nonce and signature). */
  async sendPrepared(path: string, bodyText: string, headers: Record<string, string>, method = 'POST'): Promise<KitExchange> {
    const url = this.creds.baseUrl.replace(/\/+$/, '') + path;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 30_000);
    const exchange: KitExchange = { method, path, requestHeaders: headers, requestBody: bodyText, httpStatus: 0, responseText: '' };
    try {
      const response = await (this.options.fetch ?? fetch)(url, {
        method,
        headers,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.from(bodyText, 'utf8') }),
        signal: controller.signal,
      });
      exchange.httpStatus = response.status;
      exchange.responseText = await response.text();
    } catch (error) {
      exchange.transportError = controller.signal.aborted ? `timed out after ${this.options.timeoutMs ?? 30_000} ms` : error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    } finally {
      clearTimeout(timer);
    }
    return exchange;
  }
}
