/**
 * Orders and their state machine (fact sheet §4.1), as a transition table.
 */
import type { Amount } from '../lib/amount.ts';

export const ORDER_STATUSES = ['INITIAL', 'PENDING', 'PAID', 'CANCELED', 'ERROR', 'REFUNDING', 'REFUNDED', 'FULL_REFUNDED', 'EXPIRED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** env.terminalType of v2/v3 (fact sheet §3.1); v1 `tradeType` adds PAYMENT_LINK. */
export const TERMINAL_TYPES = ['APP', 'WEB', 'WAP', 'MINI_PROGRAM', 'OTHERS'] as const;
export const TRADE_TYPES_V1 = ['WEB', 'APP', 'WAP', 'MINI_PROGRAM', 'PAYMENT_LINK', 'OTHERS'] as const;
export type TerminalType = (typeof TRADE_TYPES_V1)[number];

export const GOODS_TYPES = ['01', '02'] as const;
export const GOODS_CATEGORIES = ['0000', '1000', '2000', '3000', '4000', '5000', '6000', '7000', '8000', '9000', 'A000', 'B000', 'C000', 'D000', 'E000', 'F000', 'Z000'] as const;

export type OrderEvent =
  | 'START_PAYMENT' // the payer opened the order in the app and started paying
  | 'PAY' // payment succeeded
  | 'FAIL' // payment failed
  | 'CLOSE' // merchant closed it (Close Order API)
  | 'EXPIRE' // expireTime passed
  | 'REFUND_START'
  | 'REFUND_PARTIAL'
  | 'REFUND_FULL'
  | 'REFUND_REJECT_TO_PAID'
  | 'REFUND_REJECT_TO_REFUNDED';

/** Allowed transitions; anything missing is refused. Terminal states have no entries. */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, Partial<Record<OrderEvent, OrderStatus>>>> = {
  INITIAL: { START_PAYMENT: 'PENDING', PAY: 'PAID', FAIL: 'ERROR', CLOSE: 'CANCELED', EXPIRE: 'EXPIRED' },
  PENDING: { PAY: 'PAID', FAIL: 'ERROR', EXPIRE: 'EXPIRED' },
  PAID: { REFUND_START: 'REFUNDING', REFUND_PARTIAL: 'REFUNDED', REFUND_FULL: 'FULL_REFUNDED' },
  REFUNDING: { REFUND_PARTIAL: 'REFUNDED', REFUND_FULL: 'FULL_REFUNDED', REFUND_REJECT_TO_PAID: 'PAID', REFUND_REJECT_TO_REFUNDED: 'REFUNDED' },
  REFUNDED: { REFUND_START: 'REFUNDING', REFUND_PARTIAL: 'REFUNDED', REFUND_FULL: 'FULL_REFUNDED' },
  FULL_REFUNDED: {},
  CANCELED: {},
  ERROR: {},
  EXPIRED: {},
};

export function nextStatus(status: OrderStatus, event: OrderEvent): OrderStatus | undefined {
  return ORDER_TRANSITIONS[status][event];
}

export interface GoodsItem {
  goodsType: string;
  goodsCategory: string;
  referenceGoodsId: string;
  goodsName: string;
  goodsDetail?: string;
  goodsUnitAmount?: { currency: string; amount: string };
  goodsQuantity?: string;
}

export interface PaymentInstruction {
  currency: string;
  /** amount paid in that currency (exact decimal text) */
  amount: string;
  /** price of one unit of `currency` in the order currency */
  price: string;
}

export interface PaymentInfo {
  payerId: string;
  payMethod: string;
  paymentInstructions: PaymentInstruction[];
  channel: string;
}

export interface Order {
  prepayId: string;
  merchantId: number;
  subMerchantId: string | null;
  merchantTradeNo: string;
  apiVersion: 1 | 2 | 3;
  terminalType: TerminalType;
  currency: string;
  orderAmount: Amount;
  fiatCurrency: string | null;
  fiatAmount: Amount | null;
  /** stored status; read `effectiveStatus` for what the world sees */
  status: OrderStatus;
  description: string | null;
  goods: GoodsItem[];
  /** request parts kept for display and echo: env, shipping, buyer, appId, v1 product fields… */
  extra: Record<string, unknown>;
  passThroughInfo: string | null;
  webhookUrl: string | null;
  returnUrl: string | null;
  cancelUrl: string | null;
  supportPayCurrency: string[] | null;
  profitSharing: boolean;
  linkToken: string;
  createTimeMs: number;
  expireTimeMs: number;
  updatedAtMs: number;
  transactTimeMs: number | null;
  transactionId: string | null;
  payerBinanceId: string | null;
  openUserId: string | null;
  paymentInfo: PaymentInfo | null;
  commission: Amount;
  refundedAmount: Amount;
  refundCount: number;
  closedAtMs: number | null;
}

/** An unpaid order past its expireTime is EXPIRED even before the sweeper writes it (fact sheet §4.1). */
export function effectiveStatus(order: Pick<Order, 'status' | 'expireTimeMs'>, nowMs: number): OrderStatus {
  if ((order.status === 'INITIAL' || order.status === 'PENDING') && nowMs >= order.expireTimeMs) return 'EXPIRED';
  return order.status;
}

export const ORDER_MAX_LIFETIME_MS = 3600_000;

/** productType/productName as v1 and the PAY webhook name them (v1→v2 migration table, fact sheet §3.2). */
export function productOf(order: Pick<Order, 'goods' | 'extra'>): { productType: string; productName: string; productDetail: string | null } {
  const v1 = order.extra as { productType?: string; productName?: string; productDetail?: string };
  const first = order.goods[0];
  return {
    productType: v1.productType ?? first?.goodsType ?? '',
    productName: v1.productName ?? first?.goodsName ?? '',
    productDetail: v1.productDetail ?? first?.goodsDetail ?? null,
  };
}

/** Whose wallet an order's money lands in: the sub-merchant's when a partner ordered for one (fact sheet §3.13). */
export function settlementMerchantId(order: Pick<Order, 'merchantId' | 'subMerchantId'>): number {
  return order.subMerchantId !== null ? Number(order.subMerchantId) : order.merchantId;
}
