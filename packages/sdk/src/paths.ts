/** Merchant endpoint paths (fact sheet §3.0). All are POST with a signed JSON body (§1.1). */
const BASE = '/binancepay/openapi';
const PROFIT_SHARING = `${BASE}/profitsharing/v1`;

export const PATHS = {
  createOrder: `${BASE}/v3/order`,
  createOrderV2: `${BASE}/v2/order`,
  createOrderV1: `${BASE}/order`,
  queryOrder: `${BASE}/v2/order/query`,
  queryOrderV1: `${BASE}/order/query`,
  closeOrder: `${BASE}/order/close`,
  refundOrder: `${BASE}/order/refund`,
  queryRefund: `${BASE}/order/refund/query`,
  certificates: `${BASE}/certificates`,
  /** "query certificate new": Binance does not show the path in any copy we found; binance-pay-server's choice */
  certificatesNew: `${BASE}/certificates/new`,
  batchPayout: `${BASE}/payout/transfer`,
  queryPayout: `${BASE}/payout/query`,
  checkPayoutReceiver: `${BASE}/payout/receiver/check`,
  balance: `${BASE}/balance`,
  balanceV2: `${BASE}/v2/balance`,
  transferFund: `${BASE}/wallet/transfer`,
  queryTransferFund: `${BASE}/wallet/transfer/query`,
  addSubMerchant: `${BASE}/submerchant/add`,
  modifySubMerchant: `${BASE}/submerchant/modify`,
  addReceiver: `${PROFIT_SHARING}/add-receiver`,
  queryReceiver: `${PROFIT_SHARING}/query-receiver`,
  deleteReceiver: `${PROFIT_SHARING}/del-receiver`,
  submitSplit: `${PROFIT_SHARING}/submit-split`,
  querySplit: `${PROFIT_SHARING}/query-split`,
  returnSplit: `${PROFIT_SHARING}/return`,
} as const;

export const DEFAULT_BASE_URL = 'https://bpay.binanceapi.com'; // fact sheet §1.1
