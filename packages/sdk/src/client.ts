/** Typed Binance Pay merchant client: one method per merchant endpoint of fact sheet §3.0. */
import { isSuccessStatus, type RawResponse } from './envelope.ts';
import { BinancePayError } from './errors.ts';
import { DEFAULT_BASE_URL, PATHS } from './paths.ts';
import { generateNonce } from './signing.ts';
import { send, type RequestOptions, type TransportConfig } from './transport.ts';
import type { Certificate } from './types/common.ts';
import type {
  CloseOrderRequest,
  CreateOrderRequest,
  CreateOrderResult,
  CreateOrderV1Request,
  CreateOrderV2Request,
  CreateOrderV2Result,
  QueryOrderRequest,
  QueryOrderResult,
  QueryOrderV1Result,
  QueryRefundRequest,
  QueryRefundResult,
  RefundOrderRequest,
  RefundOrderResult,
} from './types/order.ts';
import type { BatchPayoutRequest, BatchPayoutResult, CheckPayoutReceiverRequest, QueryPayoutRequest, QueryPayoutResult } from './types/payout.ts';
import type {
  ProfitSharingAccount,
  QueryReceiverRequest,
  QueryReceiverResult,
  QuerySplitRequest,
  ReturnSplitRequest,
  ReturnSplitResult,
  SplitResult,
  SubmitSplitRequest,
} from './types/profit-sharing.ts';
import type { AddSubMerchantRequest, AddSubMerchantResult, ModifySubMerchantRequest } from './types/sub-merchant.ts';
import type {
  BalanceRequest,
  BalanceResult,
  BalanceV2Request,
  BalanceV2Result,
  QueryTransferFundRequest,
  QueryTransferFundResult,
  TransferFundOutcome,
  TransferFundRequest,
} from './types/wallet.ts';

export interface BinancePayClientOptions {
  /** Merchant API key, sent as `BinancePay-Certificate-SN` (fact sheet §1.2). */
  apiKey: string;
  /** Merchant API secret, the HMAC key (§1.3). Never sent. */
  apiSecret: string;
  /** Default `https://bpay.binanceapi.com`; point it at a self-hosted server. */
  baseUrl?: string;
  /** Clock for `BinancePay-Timestamp`, epoch ms (§1.2). Default `Date.now`. */
  now?: () => number;
  /** Nonce generator (§1.2). Default `generateNonce`. */
  nonce?: () => string;
  /** Default the global `fetch`. */
  fetch?: typeof fetch;
  /** Whole-exchange timeout, ms. Default 30000. */
  timeoutMs?: number;
}

export type { RequestOptions };

export class BinancePayClient {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly #config: TransportConfig;

  constructor(options: BinancePayClientOptions) {
    if (!options.apiKey || !options.apiSecret) throw new TypeError('BinancePayClient needs apiKey and apiSecret');
    this.apiKey = options.apiKey;
    this.baseUrl = options.baseUrl ?? DEFAULT_BASE_URL;
    this.#config = {
      baseUrl: this.baseUrl,
      apiKey: options.apiKey,
      apiSecret: options.apiSecret,
      now: options.now ?? Date.now,
      nonce: options.nonce ?? generateNonce,
      // Resolved per call so a global fetch installed later (e.g. by a test) is honoured.
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      timeoutMs: options.timeoutMs ?? 30_000,
    };
  }

  /**
   * Sends one signed `POST baseUrl+path` and returns whatever came back — FAIL envelopes and
   * non-200 statuses included. Throws only `BinancePayTransportError` (network failure, timeout).
   */
  request<T = unknown>(path: string, body?: unknown, opts?: RequestOptions): Promise<RawResponse<T>> {
    return send<T>(this.#config, path, body, opts);
  }

  /** `data` of a SUCCESS / REPEAT_REQ_SUCCESS envelope; otherwise throws `BinancePayError` (§2). */
  async call<T>(path: string, body?: unknown, opts?: RequestOptions): Promise<T> {
    return (await this.#callWithStatus<T>(path, body, opts)).data;
  }

  async #callWithStatus<T>(path: string, body: unknown, opts?: RequestOptions): Promise<{ data: T; status: string }> {
    const response = await this.request<T>(path, body, opts);
    const envelope = response.envelope;
    if (!envelope || !isSuccessStatus(envelope.status)) throw new BinancePayError(response);
    return { data: envelope.data as T, status: envelope.status };
  }

  // ── Orders (fact sheet §3.1–§3.6) ──────────────────────────────────────────────────────────

  /** Create order v3 — the current API (§3.1). */
  createOrder(req: CreateOrderRequest): Promise<CreateOrderResult> {
    return this.call(PATHS.createOrder, req);
  }

  /** Create order v2, "will be deprecated" (§3.2). */
  createOrderV2(req: CreateOrderV2Request): Promise<CreateOrderV2Result> {
    return this.call(PATHS.createOrderV2, req);
  }

  /** Create order v1, deprecated (§3.2). */
  createOrderV1(req: CreateOrderV1Request): Promise<CreateOrderV2Result> {
    return this.call(PATHS.createOrderV1, req);
  }

  /** Query order v2 (§3.3). */
  queryOrder(req: QueryOrderRequest): Promise<QueryOrderResult> {
    return this.call(PATHS.queryOrder, req);
  }

  /** Query order v1, deprecated (§3.3). */
  queryOrderV1(req: QueryOrderRequest): Promise<QueryOrderV1Result> {
    return this.call(PATHS.queryOrderV1, req);
  }

  /** `true` = close request accepted; the closure itself arrives as a PAY_CLOSED webhook (§3.4). */
  closeOrder(req: CloseOrderRequest): Promise<boolean> {
    return this.call(PATHS.closeOrder, req);
  }

  /** Refund; retrying with the same `refundRequestId` is idempotent (`duplicateRequest: "Y"`, §3.5, §7.7). */
  refundOrder(req: RefundOrderRequest): Promise<RefundOrderResult> {
    return this.call(PATHS.refundOrder, req);
  }

  queryRefund(req: QueryRefundRequest): Promise<QueryRefundResult> {
    return this.call(PATHS.queryRefund, req);
  }

  // ── Webhook certificates (§3.7) ────────────────────────────────────────────────────────────

  /** Webhook public keys. Sends an empty body `''` unless `body` is given (§1.3 empty-body rule). */
  getCertificates(body?: unknown): Promise<Certificate[]> {
    return this.call(PATHS.certificates, body);
  }

  /**
   * The new platform certificate's keys (`BinancePay-Signature-New`): empty until Binance enables
   * it for the merchant. Pass them as `verifyWebhook(…, { newCertificates })`.
   */
  getNewCertificates(body?: unknown): Promise<Certificate[]> {
    return this.call(PATHS.certificatesNew, body);
  }

  // ── Payout (§3.8–§3.10) ────────────────────────────────────────────────────────────────────

  batchPayout(req: BatchPayoutRequest): Promise<BatchPayoutResult> {
    return this.call(PATHS.batchPayout, req);
  }

  queryPayout(req: QueryPayoutRequest): Promise<QueryPayoutResult> {
    return this.call(PATHS.queryPayout, req);
  }

  /** `true` when the receiver matched (§3.10). */
  checkPayoutReceiver(req: CheckPayoutReceiverRequest): Promise<boolean> {
    return this.call(PATHS.checkPayoutReceiver, req);
  }

  // ── Wallet (§3.11, §3.12) ──────────────────────────────────────────────────────────────────

  getBalance(req: BalanceRequest): Promise<BalanceResult> {
    return this.call(PATHS.balance, req);
  }

  getBalanceV2(req: BalanceV2Request): Promise<BalanceV2Result> {
    return this.call(PATHS.balanceV2, req);
  }

  /**
   * Transfer between spot and funding wallet. `repeated` is true when Binance answered
   * `REPEAT_REQ_SUCCESS` / `000001`: this `requestId` was already processed and `data` is the
   * original result (fact sheet §2, §3.12, §7.7).
   */
  async transferFund(req: TransferFundRequest): Promise<TransferFundOutcome> {
    const { data, status } = await this.#callWithStatus<Omit<TransferFundOutcome, 'repeated'>>(PATHS.transferFund, req);
    return { ...data, repeated: status === 'REPEAT_REQ_SUCCESS' };
  }

  queryTransferFund(req: QueryTransferFundRequest): Promise<QueryTransferFundResult> {
    return this.call(PATHS.queryTransferFund, req);
  }

  // ── Sub-merchants, partners only (§3.13) ───────────────────────────────────────────────────

  addSubMerchant(req: AddSubMerchantRequest): Promise<AddSubMerchantResult> {
    return this.call(PATHS.addSubMerchant, req);
  }

  /** The response `data` of modify is not documented (§3.13), hence `unknown`. */
  modifySubMerchant(req: ModifySubMerchantRequest): Promise<unknown> {
    return this.call(PATHS.modifySubMerchant, req);
  }

  // ── Profit sharing (§3.14) ─────────────────────────────────────────────────────────────────

  addReceiver(req: ProfitSharingAccount): Promise<ProfitSharingAccount> {
    return this.call(PATHS.addReceiver, req);
  }

  queryReceiver(req: QueryReceiverRequest): Promise<QueryReceiverResult> {
    return this.call(PATHS.queryReceiver, req);
  }

  deleteReceiver(req: ProfitSharingAccount): Promise<ProfitSharingAccount> {
    return this.call(PATHS.deleteReceiver, req);
  }

  submitSplit(req: SubmitSplitRequest): Promise<SplitResult> {
    return this.call(PATHS.submitSplit, req);
  }

  querySplit(req: QuerySplitRequest): Promise<SplitResult> {
    return this.call(PATHS.querySplit, req);
  }

  returnSplit(req: ReturnSplitRequest): Promise<ReturnSplitResult> {
    return this.call(PATHS.returnSplit, req);
  }
}
