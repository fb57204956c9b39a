/**
 * Replay of a recorded cassette (`bpay serve --replay FILE`, docs/conformance.md): a request of the
 * replay merchant that matches a recorded one — same path, same body once redacted, absolute times
 * ignored — gets the recorded answer, byte for byte, in recorded order; anything else is served by
 * the simulation, whose state was seeded from the cassette so the two agree: the recorded orders
 * exist under their recorded prepayIds and merchantTradeNos, paid, closed or failed as the
 * recording last saw them, with their refunds.
 *
 * Authentication still runs first (the replay merchant's key and secret), so a badly signed request
 * fails as it would have. Recorded answers to requests that failed authentication, and requests
 * that reused an earlier nonce, are never replayed: a fresh, well-signed request must not get them.
 */
import { CassetteError, keyFingerprint, requestKey, type Cassette, type CassetteExchange } from '../../conformance/cassette.ts';
import type { Merchant } from '../../domain/merchant.ts';
import { isJsonNumber, parseJsonExact } from '../../lib/json.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { createApiKey, createMerchant, importApiKey, listApiKeys, listMerchants, revealSecret } from '../../services/merchants.ts';
import { closeOrder, createOrder, getOrder, type CreateOrderInput } from '../../services/orders.ts';
import { createPayer } from '../../services/payers.ts';
import { failPayment, payOrder, startPayment } from '../../services/payments.ts';
import { queryRefund, refundOrder, settlePendingRefund } from '../../services/refunds.ts';
import { BINANCE_PREFIX } from './plugin.ts';
import { parseBody } from './validation.ts';
import { createOrderSeedSchema, createOrderV1Schema, createOrderV2Schema, createOrderV3Schema, fromV1, fromV2V3 } from './wire/orders.ts';
import { refundSchema } from './wire/refunds.ts';

/** Recorded failures of authentication (fact sheet §1.6): a request that passed it here never gets them. */
const AUTHENTICATION_CODES = new Set(['400002', '400003', '400004', '400005', '400006', '400007', '100001001']);

export interface ReplayedAnswer {
  seq: number;
  status: number;
  contentType: string;
  body: string;
}

type Parsed = Record<string, unknown>;

function parseObject(text: string): Parsed | undefined {
  const parsed = parseJsonExact(text);
  return parsed.ok && parsed.value !== null && typeof parsed.value === 'object' && !Array.isArray(parsed.value) && !isJsonNumber(parsed.value) ? (parsed.value as Parsed) : undefined;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : isJsonNumber(v) ? String(v) : undefined);

/** Recorded exchanges a live request may be answered with (see the header). */
function replayable(exchanges: readonly CassetteExchange[]): CassetteExchange[] {
  const nonces = new Set<string>();
  return exchanges.filter((e) => {
    const nonce = e.request.headers['binancepay-nonce'];
    const reused = nonce !== undefined && nonces.has(nonce);
    if (nonce !== undefined) nonces.add(nonce);
    const code = text(parseObject(e.response.body)?.code);
    return !reused && !(code !== undefined && AUTHENTICATION_CODES.has(code)) && e.request.path.startsWith(BINANCE_PREFIX);
  });
}

/** The recorded answers, queued per request key, for one merchant of this server. */
export class ReplayBook {
  private readonly queues = new Map<string, CassetteExchange[]>();
  private merchantId: number | undefined;
  readonly counts = { answered: 0, passedThrough: 0 };

  constructor(readonly cassette: Cassette) {
    for (const e of replayable(cassette.exchanges)) {
      const key = requestKey(e.request.path, e.request.body);
      const queue = this.queues.get(key) ?? [];
      queue.push(e);
      this.queues.set(key, queue);
    }
  }

  /** Requests of this merchant are answered from the book (set once its state is seeded). */
  bind(merchantId: number): void {
    this.merchantId = merchantId;
  }

  get boundMerchantId(): number | undefined {
    return this.merchantId;
  }

  get size(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /** The next recorded answer to this request, or undefined (the simulation answers). */
  answer(merchantId: number, path: string, bodyText: string): ReplayedAnswer | undefined {
    if (this.merchantId === undefined || merchantId !== this.merchantId) return undefined;
    const queue = this.queues.get(requestKey(path, bodyText));
    const next = queue?.shift();
    if (!next) {
      this.counts.passedThrough++;
      return undefined;
    }
    this.counts.answered++;
    return { seq: next.seq, status: next.response.status, contentType: next.response.headers['content-type'] ?? 'application/json; charset=utf-8', body: next.response.body };
  }
}

export interface ReplayMerchantOptions {
  /** the recorded app's own key and secret, so it changes nothing but its base URL */
  apiKey?: string | undefined;
  apiSecret?: string | undefined;
  /** the merchant's name (default "Replay <first key fingerprint>") */
  name?: string | undefined;
}

export interface SeedResult {
  merchantId: number;
  apiKey: string;
  apiSecret: string;
  orders: number;
  refunds: number;
  /** exchanges whose state could not be reproduced, and why */
  notSeeded: Array<{ seq: number; path: string; reason: string }>;
}

const ORDER_CREATE_PATHS: Record<string, (body: Parsed) => CreateOrderInput> = {
  [`${BINANCE_PREFIX}/v3/order`]: (b) => fromV2V3(parseBody(createOrderV3Schema, b), 3),
  [`${BINANCE_PREFIX}/v3/order/create`]: (b) => ('env' in b || 'goodsDetails' in b ? fromV2V3(parseBody(createOrderV3Schema, b), 3) : fromV1(parseBody(createOrderSeedSchema, b))),
  [`${BINANCE_PREFIX}/v2/order`]: (b) => fromV2V3(parseBody(createOrderV2Schema, b), 2),
  [`${BINANCE_PREFIX}/order`]: (b) => fromV1(parseBody(createOrderV1Schema, b)),
};
const QUERY_PATHS = new Set([`${BINANCE_PREFIX}/v2/order/query`, `${BINANCE_PREFIX}/order/query`]);
const CLOSE_PATH = `${BINANCE_PREFIX}/order/close`;
const REFUND_PATH = `${BINANCE_PREFIX}/order/refund`;
const REFUND_QUERY_PATH = `${BINANCE_PREFIX}/order/refund/query`;

interface Observed {
  seq: number;
  input: CreateOrderInput;
  prepayId: string;
  merchantTradeNo: string;
  /** the last status the recording saw */
  status: string;
  refunds: Array<{ seq: number; body: Parsed; refundRequestId: string; status: string | undefined }>;
}

/** The merchant replayed requests authenticate as: found by name, or created with the given key. */
async function replayMerchant(deps: ServiceDeps, cassette: Cassette, o: ReplayMerchantOptions): Promise<{ merchant: Merchant; apiKey: string; apiSecret: string }> {
  if ((o.apiKey === undefined) !== (o.apiSecret === undefined)) throw new CassetteError('give both the replay API key and secret, or neither');
  const fingerprint = cassette.exchanges.map((e) => e.request.headers['binancepay-certificate-sn']).find((k) => k !== undefined);
  const name = o.name ?? `Replay ${fingerprint ?? 'cassette'}`.slice(0, 128);
  const existing = (await listMerchants(deps, { limit: 1000 })).find((m) => m.name === name && m.partnerMerchantId === null);
  const merchant = existing ?? (await createMerchant(deps, { name, webhookUrl: null, withoutKey: true }, 'replay')).merchant;
  if (o.apiKey !== undefined && o.apiSecret !== undefined) {
    const key = await importApiKey(deps, merchant.merchantId, { apiKey: o.apiKey, apiSecret: o.apiSecret }, 'replay', 'replay');
    if (fingerprint !== undefined && keyFingerprint(o.apiKey) !== fingerprint) deps.log.warn({ fingerprint }, 'the replay API key is not the key the cassette was recorded with');
    return { merchant, apiKey: key.apiKey, apiSecret: key.apiSecret };
  }
  const usable = (await listApiKeys(deps, merchant.merchantId)).find((k) => k.status === 'ACTIVE');
  if (usable) return { merchant, apiKey: usable.apiKey, apiSecret: await revealSecret(deps, usable.apiKey) };
  const created = await createApiKey(deps, merchant.merchantId, 'replay', 'replay');
  return { merchant, apiKey: created.apiKey, apiSecret: created.apiSecret };
}

function observe(cassette: Cassette, notSeeded: SeedResult['notSeeded']): Observed[] {
  const byPrepayId = new Map<string, Observed>();
  const byTradeNo = new Map<string, Observed>();
  const refundOwner = new Map<string, Observed>();
  for (const e of cassette.exchanges) {
    const path = (e.request.path.split('?')[0] ?? '').replace(/\/+$/, '');
    const answer = parseObject(e.response.body);
    if (answer?.status !== 'SUCCESS') continue;
    const body = parseObject(e.request.body) ?? {};
    const data = answer.data as Parsed | boolean | undefined;
    const toInput = ORDER_CREATE_PATHS[path];
    if (toInput) {
      const prepayId = text((data as Parsed | undefined)?.prepayId);
      if (!prepayId) continue;
      try {
        // the recorded expiry is in the past now: the seeded order gets the default hour; the
        // buyer and shipping blocks were redacted and carry nothing to seed
        const { orderExpireTime: _past, buyer: _buyer, shipping: _shipping, ...rest } = body;
        const input = toInput(rest);
        const o: Observed = { seq: e.seq, input, prepayId, merchantTradeNo: input.merchantTradeNo, status: 'INITIAL', refunds: [] };
        byPrepayId.set(prepayId, o);
        byTradeNo.set(input.merchantTradeNo, o);
      } catch (error) {
        notSeeded.push({ seq: e.seq, path, reason: `the recorded request does not pass this server's rules: ${(error as Error).message}` });
      }
      continue;
    }
    const lookup = (b: Parsed) => byPrepayId.get(text(b.prepayId) ?? '') ?? byTradeNo.get(text(b.merchantTradeNo) ?? '');
    if (QUERY_PATHS.has(path) && data && typeof data === 'object') {
      const o = lookup(data);
      const status = text(data.status);
      if (o && status) o.status = status;
    } else if (path === CLOSE_PATH) {
      const o = lookup(body);
      if (o) o.status = 'CANCELED';
    } else if (path === REFUND_PATH && data && typeof data === 'object') {
      const o = byPrepayId.get(text(data.prepayId) ?? '');
      const refundRequestId = text(data.refundRequestId);
      if (o && refundRequestId && !refundOwner.has(refundRequestId)) {
        o.refunds.push({ seq: e.seq, body, refundRequestId, status: undefined });
        refundOwner.set(refundRequestId, o);
        if (o.status === 'PAID' || o.status === 'INITIAL') o.status = 'REFUNDING';
      }
    } else if (path === REFUND_QUERY_PATH && data && typeof data === 'object') {
      const refundRequestId = text(data.refundRequestId) ?? '';
      const refund = refundOwner.get(refundRequestId)?.refunds.find((r) => r.refundRequestId === refundRequestId);
      if (refund) refund.status = text(data.refundStatus);
    }
  }
  return [...byPrepayId.values()];
}

const PAID_STATES = new Set(['PAID', 'REFUNDING', 'REFUNDED', 'FULL_REFUNDED']);

/**
 * Seeds this server from a cassette: the replay merchant (with the given key, if any), then every
 * recorded order under its recorded prepayId, brought to its last recorded status through the
 * ordinary services — a paid order is paid by a sandbox payer funded for it, so the ledger holds —
 * and its refunds. Running it again on the same database changes nothing.
 */
export async function seedReplay(deps: ServiceDeps, cassette: Cassette, options: ReplayMerchantOptions = {}): Promise<SeedResult> {
  const { merchant, apiKey, apiSecret } = await replayMerchant(deps, cassette, options);
  const result: SeedResult = { merchantId: merchant.merchantId, apiKey, apiSecret, orders: 0, refunds: 0, notSeeded: [] };
  for (const o of observe(cassette, result.notSeeded)) {
    const path = `${BINANCE_PREFIX}/order`;
    const existing = await getOrder(deps, o.prepayId).catch(() => undefined);
    if (existing && existing.merchantId !== merchant.merchantId) {
      result.notSeeded.push({ seq: o.seq, path, reason: `prepayId ${o.prepayId} belongs to another merchant of this server` });
      continue;
    }
    try {
      if (!existing) {
        await createOrder(deps, merchant, { ...o.input, prepayId: o.prepayId, apiKey });
        const note = await reachStatus(deps, merchant, o);
        if (note) result.notSeeded.push({ seq: o.seq, path, reason: note });
        result.orders++;
      }
      for (const r of o.refunds) {
        if (await queryRefund(deps, merchant, r.refundRequestId).catch(() => undefined)) continue;
        const input = parseBody(refundSchema, r.body);
        const { refund } = await refundOrder(deps, merchant, input);
        if (r.status === 'REFUND_SUCCESS') await settlePendingRefund(deps, refund.refundId, 'SUCCESS');
        else if (r.status === 'REFUND_FAIL') await settlePendingRefund(deps, refund.refundId, 'REJECT');
        result.refunds++;
      }
    } catch (error) {
      result.notSeeded.push({ seq: o.seq, path, reason: `order ${o.prepayId}: ${(error as Error).message}` });
    }
  }
  return result;
}

async function payerFor(deps: ServiceDeps, o: Observed) {
  const order = await getOrder(deps, o.prepayId);
  return createPayer(deps, { name: 'Replay payer', fund: [{ asset: order.currency, amount: order.orderAmount }] });
}

/** Brings a seeded order to its recorded status; returns a note when that cannot be done exactly. */
async function reachStatus(deps: ServiceDeps, merchant: Merchant, o: Observed): Promise<string | undefined> {
  if (PAID_STATES.has(o.status)) {
    const payer = await payerFor(deps, o);
    await payOrder(deps, { prepayId: o.prepayId, payerBinanceId: payer.binanceId });
  } else if (o.status === 'PENDING') {
    await startPayment(deps, o.prepayId, (await payerFor(deps, o)).binanceId);
  } else if (o.status === 'ERROR') {
    await failPayment(deps, o.prepayId);
  } else if (o.status === 'CANCELED') {
    await closeOrder(deps, merchant, { prepayId: o.prepayId });
  } else if (o.status === 'EXPIRED') {
    return `order ${o.prepayId} was EXPIRED when recorded: seeded INITIAL, it expires an hour after the import`;
  }
  return undefined;
}
