/**
 * What a human payer does in production, done through this server's admin API when the kit runs
 * against a sandbox: create a funded payer, pay an order, run the workers (refund settlement,
 * payouts). HTTP only, like the rest of the kit; against production there is no admin API, the
 * detection fails and the steps that need a payer are reported as skipped.
 */
export interface SandboxMerchant {
  merchantId: number;
  apiKey: string;
  apiSecret: string;
}

export class SandboxAdmin {
  private constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly fetchImpl: typeof fetch,
  ) {}

  /** The admin API of `baseUrl`, if it answers this token; undefined otherwise (production). */
  static async detect(baseUrl: string, token: string | undefined, fetchImpl: typeof fetch = fetch): Promise<SandboxAdmin | undefined> {
    if (!token) return undefined;
    const admin = new SandboxAdmin(baseUrl.replace(/\/+$/, ''), token, fetchImpl);
    try {
      await admin.call('GET', '/time');
      return admin;
    } catch {
      return undefined;
    }
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetchImpl(`${this.baseUrl}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'x-bpay-actor': 'conformance-kit', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let envelope: { status?: string; data?: T; errorMessage?: string; code?: string };
    try {
      envelope = JSON.parse(text) as typeof envelope;
    } catch {
      throw new Error(`admin ${method} ${path}: HTTP ${response.status}, not JSON`);
    }
    if (envelope.status !== 'SUCCESS') throw new Error(`admin ${method} ${path}: ${envelope.code ?? response.status} ${envelope.errorMessage ?? ''}`.trim());
    return envelope.data as T;
  }

  createMerchant(name: string): Promise<SandboxMerchant> {
    return this.call('POST', '/merchants', { name, webhookUrl: null, ipAllowlist: null });
  }

  /** A sandbox payer funded with e.g. ["1000:USDT"]; returns its Binance ID. */
  async createPayer(fund: string[]): Promise<string> {
    return (await this.call<{ binanceId: string }>('POST', '/payers', { fund })).binanceId;
  }

  async pay(prepayId: string, payer: string): Promise<void> {
    await this.call('POST', `/orders/${encodeURIComponent(prepayId)}/pay`, { payer });
  }

  /** Runs every background worker once (refunds settle, payouts are processed). */
  async runWorkers(): Promise<void> {
    await this.call('POST', '/workers/run', {});
  }
}
