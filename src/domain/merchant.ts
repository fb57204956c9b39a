export type MerchantStatus = 'ACTIVE' | 'SUSPENDED';

export interface Merchant {
  /** Binance merchant ids are longs below 2^53 (e.g. 216447206), so a number is safe. */
  merchantId: number;
  name: string;
  status: MerchantStatus;
  webhookUrl: string | null;
  /** IPs or CIDR ranges allowed to call the API; null = any. */
  ipAllowlist: string[] | null;
  /** Send PAY_CLOSED webhooks (Binance's portal lets merchants turn them off, fact sheet §5.1). */
  payClosedNotify: boolean;
  /**
   * Binance's new webhook certificate is enabled for this merchant: webhooks also carry
   * BinancePay-Certificate-SN-New and BinancePay-Signature-New, /certificates/new lists it.
   */
  newWebhookCertificate: boolean;
  /** Whitelisted for `payerDetail` (encrypted payer data) in query order and PAY webhooks. */
  sharePayerDetail: boolean;
  /** Commission rate override (decimal text); null = the server default. */
  commissionRate: string | null;
  /** Set for sub-merchants: the channel partner that created and operates it (fact sheet §3.13). */
  partnerMerchantId: number | null;
  /** Sub-merchant profile as submerchant/add and modify gave it (MCC, store type, site…). */
  profile: Record<string, unknown> | null;
  isDemo: boolean;
  createdAtMs: number;
  updatedAtMs: number;
}

export type ApiKeyStatus = 'ACTIVE' | 'REVOKED';

export interface ApiKeyInfo {
  apiKey: string;
  merchantId: number;
  label: string | null;
  status: ApiKeyStatus;
  createdAtMs: number;
  revokedAtMs: number | null;
  /** Set during rotation: the old key keeps working until then. */
  expiresAtMs: number | null;
}

/** Keys are usable when active and not past a rotation deadline. */
export function isApiKeyUsable(key: ApiKeyInfo, nowMs: number): boolean {
  return key.status === 'ACTIVE' && (key.expiresAtMs === null || nowMs < key.expiresAtMs);
}
