/**
 * Every Binance Pay endpoint the server implements, with a body that passes validation.
 * The authentication matrix (auth.test.ts) and the fuzz test run over this list, so an endpoint
 * added here is covered by them automatically.
 */
import { randomBytes } from 'node:crypto';
import type { MerchantCredentials, TestServer } from './server.ts';

export interface EndpointCase {
  path: string;
  /** takes no parameters: "", {}, [] and null must all be accepted */
  bodyless?: boolean;
  /** a valid request body for this merchant (may create state first) */
  sampleBody(server: TestServer, merchant: MerchantCredentials): Promise<unknown>;
  /** true when sampleBody answers SUCCESS; false when it is valid but answers a business error */
  succeeds: boolean;
}

export function tradeNo(): string {
  return 'T' + randomBytes(12).toString('hex');
}

export function v3OrderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    env: { terminalType: 'WEB' },
    merchantTradeNo: tradeNo(),
    orderAmount: '10.5',
    currency: 'USDT',
    description: 'Ice cream',
    goodsDetails: [{ goodsType: '01', goodsCategory: 'D000', referenceGoodsId: 'SKU1', goodsName: 'Ice Cream', goodsDetail: 'Greentea ice cream cone' }],
    ...overrides,
  };
}

export function v2OrderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    env: { terminalType: 'APP' },
    merchantTradeNo: tradeNo(),
    orderAmount: 2.5,
    currency: 'USDT',
    goods: { goodsType: '02', goodsCategory: '6000', referenceGoodsId: 'G1', goodsName: 'Game credits' },
    ...overrides,
  };
}

export function v1OrderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { merchantTradeNo: tradeNo(), tradeType: 'WEB', totalFee: 1.25, currency: 'USDT', productType: 'Food', productName: 'Ice Cream', ...overrides };
}

/** Creates an order through the API and returns its prepayId. */
export async function createOrder(server: TestServer, merchant: MerchantCredentials, overrides: Record<string, unknown> = {}): Promise<string> {
  const data = await server.client(merchant).call<{ prepayId: string }>('/binancepay/openapi/v3/order', v3OrderBody(overrides));
  return data.prepayId;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now()}${counter++}`;

/** A paid order of this merchant (a funded payer pays it through the admin API). */
export async function paidOrder(server: TestServer, merchant: MerchantCredentials, amount = '10'): Promise<string> {
  const prepayId = await createOrder(server, merchant, { orderAmount: amount });
  const payer = await server.adminOk<{ binanceId: string }>('POST', '/payers', { fund: [`${amount}:USDT`] });
  await server.adminOk('POST', `/orders/${prepayId}/pay`, { payer: payer.binanceId });
  return prepayId;
}

function payoutBody(): Record<string, unknown> {
  return {
    requestId: unique('P'),
    batchName: 'sample',
    currency: 'USDT',
    totalAmount: '1',
    totalNumber: 1,
    transferDetailList: [{ merchantSendId: 'S1', receiveType: 'BINANCE_ID', receiver: '123456789', transferAmount: '1', transferMethod: 'FUNDING_WALLET' }],
  };
}

export const ENDPOINTS: EndpointCase[] = [
  { path: '/binancepay/openapi/certificates', bodyless: true, succeeds: true, sampleBody: async () => ({}) },
  { path: '/binancepay/openapi/v3/order', succeeds: true, sampleBody: async () => v3OrderBody() },
  { path: '/binancepay/openapi/v3/order/create', succeeds: true, sampleBody: async () => v3OrderBody() },
  { path: '/binancepay/openapi/v2/order', succeeds: true, sampleBody: async () => v2OrderBody() },
  { path: '/binancepay/openapi/order', succeeds: true, sampleBody: async () => v1OrderBody() },
  { path: '/binancepay/openapi/v2/order/query', succeeds: true, sampleBody: async (s, m) => ({ prepayId: await createOrder(s, m) }) },
  { path: '/binancepay/openapi/order/query', succeeds: true, sampleBody: async (s, m) => ({ prepayId: await createOrder(s, m) }) },
  { path: '/binancepay/openapi/order/close', succeeds: true, sampleBody: async (s, m) => ({ prepayId: await createOrder(s, m) }) },
  { path: '/binancepay/openapi/order/refund', succeeds: true, sampleBody: async (s, m) => ({ refundRequestId: unique('R'), prepayId: await paidOrder(s, m), refundAmount: '1' }) },
  {
    path: '/binancepay/openapi/order/refund/query',
    succeeds: true,
    sampleBody: async (s, m) => {
      const refundRequestId = unique('R');
      await s.client(m).call('/binancepay/openapi/order/refund', { refundRequestId, prepayId: await paidOrder(s, m), refundAmount: '1' });
      return { refundRequestId };
    },
  },
  { path: '/binancepay/openapi/payout/transfer', succeeds: true, sampleBody: async () => payoutBody() },
  {
    path: '/binancepay/openapi/payout/query',
    succeeds: true,
    sampleBody: async (s, m) => {
      const body = payoutBody();
      await s.client(m).call('/binancepay/openapi/payout/transfer', body);
      return { requestId: body.requestId, detailStatus: 'ALL' };
    },
  },
  { path: '/binancepay/openapi/payout/receiver/check', succeeds: true, sampleBody: async () => ({ receiveType: 'BINANCE_ID', receiverId: '123456789' }) },
  { path: '/binancepay/openapi/wallet/transfer', succeeds: true, sampleBody: async () => ({ requestId: unique('W'), currency: 'USDT', amount: '1', transferType: 'TO_MAIN' }) },
  {
    path: '/binancepay/openapi/wallet/transfer/query',
    succeeds: true,
    sampleBody: async (s, m) => {
      const requestId = unique('W');
      await s.client(m).request('/binancepay/openapi/wallet/transfer', { requestId, currency: 'USDT', amount: '1', transferType: 'TO_MAIN' });
      return { tranId: requestId };
    },
  },
  {
    path: '/binancepay/openapi/submerchant/add',
    succeeds: true,
    sampleBody: async () => ({ merchantName: unique('Sub'), storeType: 0, merchantMcc: '1001', siteUrl: 'https://shop.example.com' }),
  },
  {
    path: '/binancepay/openapi/submerchant/modify',
    succeeds: true,
    sampleBody: async (s, m) => {
      const sub = await s.client(m).call<{ subMerchantId: number }>('/binancepay/openapi/submerchant/add', { merchantName: unique('Sub'), storeType: 0, merchantMcc: '1001', siteUrl: 'https://shop.example.com' });
      return { subMerchantId: String(sub.subMerchantId), siteUrl: 'https://new.example.com' };
    },
  },
  { path: '/binancepay/openapi/profitsharing/v1/add-receiver', succeeds: true, sampleBody: async (s) => ({ account: (await s.adminOk<{ binanceId: string }>('POST', '/payers', {})).binanceId }) },
  { path: '/binancepay/openapi/profitsharing/v1/query-receiver', succeeds: true, sampleBody: async () => ({ pageNum: 1, pageSize: 10 }) },
  {
    path: '/binancepay/openapi/profitsharing/v1/del-receiver',
    succeeds: true,
    sampleBody: async (s, m) => {
      const { binanceId } = await s.adminOk<{ binanceId: string }>('POST', '/payers', {});
      await s.client(m).call('/binancepay/openapi/profitsharing/v1/add-receiver', { account: binanceId });
      return { account: binanceId };
    },
  },
  { path: '/binancepay/openapi/profitsharing/v1/submit-split', succeeds: false, sampleBody: async () => ({ merchantRequestId: unique('S'), prepayOrderId: '1234567890123456789', receiverList: [{ account: '123456789', amount: '1' }] }) },
  { path: '/binancepay/openapi/profitsharing/v1/query-split', succeeds: false, sampleBody: async () => ({ merchantRequestId: unique('S'), prepayOrderId: '1234567890123456789' }) },
  {
    path: '/binancepay/openapi/profitsharing/v1/return',
    succeeds: false,
    sampleBody: async () => ({ prepayOrderId: '1234567890123456789', splitOrderNo: '123456789012345678', merchantReturnNo: unique('R'), transferOutAccount: '123456789', returnAmount: '1', description: 'return' }),
  },
  { path: '/binancepay/openapi/balance', succeeds: true, sampleBody: async () => ({ wallet: 'FUNDING_WALLET', currency: 'USDT' }) },
  { path: '/binancepay/openapi/v2/balance', succeeds: true, sampleBody: async () => ({ wallet: 'SPOT_WALLET' }) },
];

/** Codes that mean "authentication/transport rejected the request". */
export const AUTH_CODES = ['400002', '400003', '400004', '400005', '400006', '400007', '400104'];
