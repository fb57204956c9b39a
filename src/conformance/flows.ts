/**
 * The scripted flows of the conformance kit. Each declares its plan (steps, endpoint, risk, what
 * it does) and runs the same requests against any base URL. Expected codes and enum values come
 * from the fact sheet; `inferred: true` marks the ones it does not state (mismatches are
 * warnings). Against a sandbox, what a human does in production (paying an order) goes through
 * the admin API; without one those steps are skipped and reported as such.
 */
import { jsonNumber } from '../lib/json.ts';
import { randomString } from '../lib/ids.ts';
import type { Flow, FlowContext } from './runner.ts';

const num = (literal: string) => jsonNumber(literal);

/** Sandbox orders that get paid are this big, so refunds, payouts and transfers have room. */
const SANDBOX_ORDER = '10';
const SANDBOX_PART = '1';

function goods() {
  return [{ goodsType: '02', goodsCategory: 'Z000', referenceGoodsId: 'conformance', goodsName: 'Conformance check' }];
}

export function v3Order(merchantTradeNo: string, amount: string, currency: string, extra: Record<string, unknown> = {}) {
  return { env: { terminalType: 'WEB' }, merchantTradeNo, orderAmount: num(amount), currency, description: 'bpay conformance kit', goodsDetails: goods(), ...extra };
}

function v2Order(merchantTradeNo: string, amount: string, currency: string) {
  return { env: { terminalType: 'APP' }, merchantTradeNo, orderAmount: num(amount), currency, goods: goods()[0] };
}

function v1Order(merchantTradeNo: string, currency: string) {
  // v1 amounts are 0.01–20000 (fact sheet §3.2)
  return { merchantTradeNo, tradeType: 'WEB', totalFee: num('0.01'), currency, productType: 'Other', productName: 'Conformance check' };
}

const prepayIdOf = (data: unknown) => (data as { prepayId?: string } | undefined)?.prepayId;

/** A sandbox order paid by a fresh sandbox payer: the merchant's funding wallet receives it. */
async function paidSandboxOrder(ctx: FlowContext, stepName: string, amount = SANDBOX_ORDER): Promise<string | undefined> {
  const created = await ctx.step({ name: stepName, body: v3Order(ctx.unique('CK'), amount, ctx.currency) });
  const prepayId = prepayIdOf(created?.data);
  if (!prepayId || !ctx.sandbox) return undefined;
  const payer = await ctx.sandbox.createPayer([`${Number(amount) * 2}:${ctx.currency}`]);
  await ctx.sandbox.pay(prepayId, payer);
  return prepayId;
}

const NO_PAYER = 'a payer: against production a person pays; run against a sandbox with --admin-token';

const orders: Flow = {
  name: 'orders',
  family: 'orders',
  title: 'Create (v3, v2, v1), query (v2, v1) and close orders',
  plan: [
    { name: 'create v3', endpoint: 'createOrderV3', risk: 'write', what: 'create a v3 order of the minimum amount (never paid; closed below)' },
    { name: 'query v2 (INITIAL)', endpoint: 'queryOrderV2', risk: 'read', what: 'query it by prepayId' },
    { name: 'query v1 (INITIAL)', endpoint: 'queryOrderV1', risk: 'read', what: 'query it with the v1 API' },
    { name: 'close', endpoint: 'closeOrder', risk: 'write', what: 'close it' },
    { name: 'query v2 (CANCELED)', endpoint: 'queryOrderV2', risk: 'read', what: 'query it again: CANCELED' },
    { name: 'close again', endpoint: 'closeOrder', risk: 'write', what: 'close the closed order: 400204' },
    { name: 'create v2', endpoint: 'createOrderV2', risk: 'write', what: 'create a v2 order of the minimum amount' },
    { name: 'query v2 by merchantTradeNo', endpoint: 'queryOrderV2', risk: 'read', what: 'query it by merchantTradeNo' },
    { name: 'close v2 order', endpoint: 'closeOrder', risk: 'write', what: 'close it by merchantTradeNo' },
    { name: 'create v1', endpoint: 'createOrderV1', risk: 'write', what: 'create a v1 order of 0.01' },
    { name: 'query v1 order', endpoint: 'queryOrderV1', risk: 'read', what: 'query it with the v1 API' },
    { name: 'close v1 order', endpoint: 'closeOrder', risk: 'write', what: 'close it' },
    { name: 'create v3 to pay', endpoint: 'createOrderV3', risk: 'write', what: 'create an order a sandbox payer pays (sandbox only)' },
    { name: 'query v2 (PAID)', endpoint: 'queryOrderV2', risk: 'read', what: 'query the paid order: PAID with paymentInfo' },
    { name: 'query v1 (PAID)', endpoint: 'queryOrderV1', risk: 'read', what: 'query the paid order with the v1 API' },
    { name: 'close paid order', endpoint: 'closeOrder', risk: 'write', what: 'close the paid order: 400204' },
  ],
  async run(ctx) {
    const c = ctx.currency;
    const tradeNo = ctx.unique('CK');
    const v3 = await ctx.step({ name: 'create v3', body: v3Order(tradeNo, ctx.amount, c), expect: { values: { 'data.terminalType': 'WEB', 'data.currency': c } } });
    const prepayId = prepayIdOf(v3?.data);
    const needs = [prepayId];
    await ctx.step({ name: 'query v2 (INITIAL)', body: { prepayId }, needs, expect: { values: { 'data.status': 'INITIAL', 'data.currency': c }, echoes: { 'data.merchantTradeNo': tradeNo } } });
    await ctx.step({ name: 'query v1 (INITIAL)', body: { prepayId }, needs, expect: { values: { 'data.status': 'INITIAL', 'data.tradeType': 'WEB' } } });
    await ctx.step({ name: 'close', body: { prepayId }, needs });
    await ctx.step({ name: 'query v2 (CANCELED)', body: { prepayId }, needs, expect: { values: { 'data.status': 'CANCELED' } } });
    // a second close is not documented; 400204 is the fact sheet's inference (§7.7)
    await ctx.step({ name: 'close again', body: { prepayId }, needs, expect: { codes: ['400204'], inferred: true } });

    const tradeNo2 = ctx.unique('CK');
    const v2 = await ctx.step({ name: 'create v2', body: v2Order(tradeNo2, ctx.amount, c), expect: { values: { 'data.terminalType': 'APP' } } });
    const needs2 = [prepayIdOf(v2?.data)];
    await ctx.step({ name: 'query v2 by merchantTradeNo', body: { merchantTradeNo: tradeNo2 }, needs: needs2, expect: { values: { 'data.status': 'INITIAL' } } });
    await ctx.step({ name: 'close v2 order', body: { merchantTradeNo: tradeNo2 }, needs: needs2 });

    const tradeNo1 = ctx.unique('CK');
    const v1 = await ctx.step({ name: 'create v1', body: v1Order(tradeNo1, c), expect: { values: { 'data.terminalType': 'WEB' } } });
    const prepay1 = prepayIdOf(v1?.data);
    await ctx.step({ name: 'query v1 order', body: { prepayId: prepay1 }, needs: [prepay1], expect: { values: { 'data.status': 'INITIAL', 'data.totalFee': '0.01000000' } } });
    await ctx.step({ name: 'close v1 order', body: { prepayId: prepay1 }, needs: [prepay1] });

    if (!ctx.sandbox) {
      for (const name of ['create v3 to pay', 'query v2 (PAID)', 'query v1 (PAID)', 'close paid order']) ctx.skip(name, `needs ${NO_PAYER}`);
      return;
    }
    const paid = await paidSandboxOrder(ctx, 'create v3 to pay');
    await ctx.step({ name: 'query v2 (PAID)', body: { prepayId: paid }, needs: [paid], expect: { values: { 'data.status': 'PAID', 'data.paymentInfo.payMethod': 'funding' } } });
    await ctx.step({ name: 'query v1 (PAID)', body: { prepayId: paid }, needs: [paid], expect: { values: { 'data.status': 'PAID' } } });
    await ctx.step({ name: 'close paid order', body: { prepayId: paid }, needs: [paid], expect: { codes: ['400204'] } });
  },
};

const refunds: Flow = {
  name: 'refunds',
  family: 'refunds',
  title: 'Refund a paid order, repeat the refund, query it; refund errors',
  plan: [
    { name: 'create order to refund', endpoint: 'createOrderV3', risk: 'write', what: 'create an order a sandbox payer pays (sandbox only)' },
    { name: 'refund', endpoint: 'refundOrder', risk: 'money', what: 'refund part of the paid order (production: --amount of --paid-order)' },
    { name: 'refund again (same refundRequestId)', endpoint: 'refundOrder', risk: 'money', what: 'send the same refund again: duplicateRequest Y, nothing new moves' },
    { name: 'query refund', endpoint: 'queryRefund', risk: 'read', what: 'query the refund by refundRequestId' },
    { name: 'query refund (settled)', endpoint: 'queryRefund', risk: 'read', what: 'after the sandbox workers ran: REFUND_SUCCESS (sandbox only)' },
    { name: 'query refunded order', endpoint: 'queryOrderV2', risk: 'read', what: 'the order is REFUNDED (sandbox only)' },
    { name: 'refund more than remains', endpoint: 'refundOrder', risk: 'money', what: 'refund more than the order has left: 400303' },
    { name: 'create unpaid order', endpoint: 'createOrderV3', risk: 'write', what: 'create an order nobody pays' },
    { name: 'refund unpaid order', endpoint: 'refundOrder', risk: 'write', what: 'refund it: 400301 (nothing can move)' },
    { name: 'close unpaid order', endpoint: 'closeOrder', risk: 'write', what: 'close it' },
    { name: 'query unknown refund', endpoint: 'queryRefund', risk: 'read', what: 'query a refundRequestId never used' },
  ],
  async run(ctx) {
    let prepayId: string | undefined;
    let amount = ctx.amount;
    if (ctx.sandbox) {
      prepayId = await paidSandboxOrder(ctx, 'create order to refund');
      amount = SANDBOX_PART;
    } else {
      ctx.skip('create order to refund', `needs ${NO_PAYER}; or pass --paid-order PREPAY_ID with --allow-money`);
      prepayId = ctx.options.paidOrder;
    }
    const needsWhat = ctx.sandbox ? 'the paid order' : 'a paid order: --paid-order PREPAY_ID';
    const refundRequestId = ctx.unique('CKR');
    const body = { refundRequestId, prepayId, refundAmount: num(amount), refundReason: 'conformance kit' };
    await ctx.step({ name: 'refund', body, needs: [prepayId], needsWhat, expect: { values: { 'data.duplicateRequest': 'N', ...(ctx.sandbox ? { 'data.remainingAttempts': 9 } : {}) } } });
    await ctx.step({ name: 'refund again (same refundRequestId)', body, needs: [prepayId], needsWhat, expect: { values: { 'data.duplicateRequest': 'Y' } } });
    await ctx.step({ name: 'query refund', body: { refundRequestId }, needs: [prepayId], needsWhat });
    if (ctx.sandbox && prepayId) {
      await ctx.sandbox.runWorkers();
      await ctx.step({ name: 'query refund (settled)', body: { refundRequestId }, expect: { values: { 'data.refundStatus': 'REFUND_SUCCESS' } } });
      await ctx.step({ name: 'query refunded order', body: { prepayId }, expect: { values: { 'data.status': 'REFUNDED' } } });
      await ctx.step({ name: 'refund more than remains', body: { refundRequestId: ctx.unique('CKR'), prepayId, refundAmount: num(SANDBOX_ORDER) }, expect: { codes: ['400303'] } });
    } else {
      for (const name of ['query refund (settled)', 'query refunded order', 'refund more than remains']) ctx.skip(name, `needs ${ctx.sandbox ? 'the paid order' : 'a sandbox (settlement and the remainder rule are checked there only)'}`);
    }
    const unpaid = prepayIdOf((await ctx.step({ name: 'create unpaid order', body: v3Order(ctx.unique('CK'), ctx.amount, ctx.currency) }))?.data);
    await ctx.step({ name: 'refund unpaid order', body: { refundRequestId: ctx.unique('CKR'), prepayId: unpaid, refundAmount: num(ctx.amount) }, needs: [unpaid], expect: { codes: ['400301'] } });
    await ctx.step({ name: 'close unpaid order', body: { prepayId: unpaid }, needs: [unpaid] });
    // Binance documents no code for an unknown refundRequestId; 400102 is this server's choice
    await ctx.step({ name: 'query unknown refund', body: { refundRequestId: ctx.unique('CKU') }, expect: { codes: ['400102', '400202', '400301'], inferred: true } });
  },
};

const payouts: Flow = {
  name: 'payouts',
  family: 'payouts',
  title: 'Batch payout and its query; receiver check; payout errors',
  plan: [
    { name: 'create order to fund payouts', endpoint: 'createOrderV3', risk: 'write', what: 'an order a sandbox payer pays, so the merchant has funds (sandbox only)' },
    { name: 'payout', endpoint: 'batchPayout', risk: 'money', what: 'pay out to one receiver (production: --amount to --payout-receiver)' },
    { name: 'query payout', endpoint: 'queryPayout', risk: 'read', what: 'query the batch' },
    { name: 'query payout (processed)', endpoint: 'queryPayout', risk: 'read', what: 'after the sandbox workers ran: SUCCESS (sandbox only)' },
    { name: 'payout with wrong totals', endpoint: 'batchPayout', risk: 'money', what: 'a batch whose totalAmount is not the sum of its details: refused' },
    { name: 'check receiver', endpoint: 'checkPayoutReceiver', risk: 'read', what: 'validate the receiver: true' },
    { name: 'check unknown receiver', endpoint: 'checkPayoutReceiver', risk: 'read', what: 'validate a Binance ID nobody has: false' },
    { name: 'query unknown payout', endpoint: 'queryPayout', risk: 'read', what: 'query a requestId never used' },
  ],
  async run(ctx) {
    let receiver = ctx.options.payoutReceiver;
    let amount = ctx.amount;
    if (ctx.sandbox) {
      await paidSandboxOrder(ctx, 'create order to fund payouts');
      receiver = await ctx.sandbox.createPayer([]);
      amount = SANDBOX_PART;
    } else {
      ctx.skip('create order to fund payouts', `needs ${NO_PAYER}`);
    }
    const needsWhat = 'a receiver: --payout-receiver BINANCE_ID';
    const requestId = ctx.unique('CKP');
    const detail = (id: string) => ({ merchantSendId: id, receiveType: 'BINANCE_ID', receiver, transferAmount: num(amount), transferMethod: 'FUNDING_WALLET', remark: 'conformance kit' });
    const payout = await ctx.step({
      name: 'payout',
      body: { requestId, batchName: 'conformance', currency: ctx.currency, totalAmount: num(amount), totalNumber: 1, transferDetailList: [detail(ctx.unique('S'))] },
      needs: [receiver],
      needsWhat,
      expect: { values: { 'data.status': 'ACCEPTED' } },
    });
    const accepted = payout?.ok ? requestId : undefined;
    await ctx.step({ name: 'query payout', body: { requestId: accepted }, needs: [accepted], needsWhat: 'the payout' });
    if (ctx.sandbox && accepted) {
      await ctx.sandbox.runWorkers();
      await ctx.step({ name: 'query payout (processed)', body: { requestId: accepted, detailStatus: 'ALL' }, expect: { values: { 'data.batchStatus': 'SUCCESS', 'data.transferDetailList[0].status': 'SUCCESS', 'data.totalNumber': 1 } } });
    } else ctx.skip('query payout (processed)', 'needs a sandbox (processing is checked there only)');
    // totals that do not add up: refused before anything moves ([INFERRED] 400102, fact sheet §7.5)
    await ctx.step({
      name: 'payout with wrong totals',
      body: { requestId: ctx.unique('CKP'), batchName: 'conformance', currency: ctx.currency, totalAmount: num('2'), totalNumber: 1, transferDetailList: [detail(ctx.unique('S'))] },
      needs: [receiver],
      needsWhat,
      expect: { codes: ['400102', '400100', '400001'], inferred: true },
    });
    await ctx.step({ name: 'check receiver', body: { receiveType: 'BINANCE_ID', receiverId: receiver }, needs: [receiver], needsWhat, expect: { values: { data: true } } });
    await ctx.step({ name: 'check unknown receiver', body: { receiveType: 'BINANCE_ID', receiverId: '9' + randomString(11, '0123456789') }, expect: { values: { data: false } } });
    await ctx.step({ name: 'query unknown payout', body: { requestId: ctx.unique('CKU') }, expect: { codes: ['400102', '400202'], inferred: true } });
  },
};

const balances: Flow = {
  name: 'balances',
  family: 'balances',
  title: 'Wallet balance v1 and v2',
  plan: [
    { name: 'balance v1 funding', endpoint: 'balanceV1', risk: 'read', what: 'the funding wallet balance of the currency' },
    { name: 'balance v2 funding (all)', endpoint: 'balanceV2', risk: 'read', what: 'every asset of the funding wallet' },
    { name: 'balance v2 spot', endpoint: 'balanceV2', risk: 'read', what: 'the spot wallet balance of the currency' },
    { name: 'balance with unknown wallet', endpoint: 'balanceV1', risk: 'read', what: 'a wallet name that does not exist' },
  ],
  async run(ctx) {
    await ctx.step({ name: 'balance v1 funding', body: { wallet: 'FUNDING_WALLET', currency: ctx.currency }, expect: { values: { 'data.asset': ctx.currency } } });
    await ctx.step({ name: 'balance v2 funding (all)', body: { wallet: 'FUNDING_WALLET' }, expect: { values: { 'data.wallet': 'FUNDING_WALLET' } } });
    await ctx.step({ name: 'balance v2 spot', body: { wallet: 'SPOT_WALLET', currency: ctx.currency }, expect: { values: { 'data.wallet': 'SPOT_WALLET' } } });
    await ctx.step({ name: 'balance with unknown wallet', body: { wallet: 'MARGIN_WALLET', currency: ctx.currency }, expect: { codes: ['400102', '400100'], inferred: true } });
  },
};

const transfers: Flow = {
  name: 'transfers',
  family: 'transfers',
  title: 'Transfer between funding and spot wallet, its idempotent repeat and query',
  plan: [
    { name: 'create order to fund transfers', endpoint: 'createOrderV3', risk: 'write', what: 'an order a sandbox payer pays, so the funding wallet has funds (sandbox only)' },
    { name: 'transfer to spot', endpoint: 'transferFund', risk: 'money', what: 'move --amount from the funding to the spot wallet (TO_MAIN)' },
    { name: 'transfer again (same requestId)', endpoint: 'transferFund', risk: 'money', what: 'repeat it: REPEAT_REQ_SUCCESS / 000001, nothing new moves' },
    { name: 'query transfer', endpoint: 'queryTransferFund', risk: 'read', what: 'query it by tranId' },
    { name: 'transfer back to funding', endpoint: 'transferFund', risk: 'money', what: 'move the same amount back (TO_PAY): the wallets end as they began' },
    { name: 'query unknown transfer', endpoint: 'queryTransferFund', risk: 'read', what: 'query a tranId never used' },
  ],
  async run(ctx) {
    let amount = ctx.amount;
    if (ctx.sandbox) {
      await paidSandboxOrder(ctx, 'create order to fund transfers');
      amount = SANDBOX_PART;
    } else ctx.skip('create order to fund transfers', `needs ${NO_PAYER}`);
    const requestId = ctx.unique('CKT');
    const body = { requestId, currency: ctx.currency, amount, transferType: 'TO_MAIN' };
    const done: Record<string, string> = ctx.sandbox ? { 'data.status': 'SUCCESS' } : {};
    const first = await ctx.step({ name: 'transfer to spot', body, expect: { values: { ...done, 'data.transferType': 'TO_MAIN' } } });
    const tranId = first?.ok ? requestId : undefined;
    await ctx.step({ name: 'transfer again (same requestId)', body, needs: [tranId], needsWhat: 'the first transfer', expect: { status: 'REPEAT_REQ_SUCCESS', values: { code: '000001' } } });
    await ctx.step({ name: 'query transfer', body: { tranId }, needs: [tranId], needsWhat: 'the first transfer', expect: { values: done } });
    await ctx.step({ name: 'transfer back to funding', body: { requestId: ctx.unique('CKT'), currency: ctx.currency, amount, transferType: 'TO_PAY' }, needs: [tranId], needsWhat: 'the first transfer', expect: { values: { ...done, 'data.transferType': 'TO_PAY' } } });
    await ctx.step({ name: 'query unknown transfer', body: { tranId: ctx.unique('CKU') }, expect: { codes: ['400102', '400202'], inferred: true } });
  },
};

const certificates: Flow = {
  name: 'certificates',
  family: 'certificates',
  title: 'Webhook certificates, with the body-less forms clients send',
  plan: [
    { name: 'certificates (empty body)', endpoint: 'certificates', risk: 'read', what: 'query with an empty body' },
    { name: 'certificates ({})', endpoint: 'certificates', risk: 'read', what: 'query with {}' },
  ],
  async run(ctx) {
    await ctx.step({ name: 'certificates (empty body)', overrides: { rawBody: '' } });
    await ctx.step({ name: 'certificates ({})', body: {} });
  },
};

const subMerchants: Flow = {
  name: 'submerchants',
  family: 'submerchants',
  title: 'Sub-merchants (partners): add, duplicate name, modify, order on behalf',
  plan: [
    { name: 'add sub-merchant', endpoint: 'addSubMerchant', risk: 'create', what: 'create a sub-merchant (cannot be deleted)' },
    { name: 'add duplicate name', endpoint: 'addSubMerchant', risk: 'create', what: 'the same name again: 400205' },
    { name: 'modify sub-merchant', endpoint: 'modifySubMerchant', risk: 'write', what: 'change its site URL' },
    { name: 'modify unknown sub-merchant', endpoint: 'modifySubMerchant', risk: 'write', what: 'modify an id that does not exist: 400206' },
    { name: 'create order for sub-merchant', endpoint: 'createOrderV3', risk: 'write', what: 'an order with merchant.subMerchantId (closed below)' },
    { name: 'close sub-merchant order', endpoint: 'closeOrder', risk: 'write', what: 'close it' },
  ],
  async run(ctx) {
    const name = `Conformance ${randomString(8)}`;
    const body = { merchantName: name, storeType: 0, merchantMcc: '5999', siteUrl: 'https://example.com/shop', country: 'GO' };
    const added = await ctx.step({ name: 'add sub-merchant', body });
    const subMerchantId = (added?.data as { subMerchantId?: string } | undefined)?.subMerchantId;
    const needs = [subMerchantId];
    await ctx.step({ name: 'add duplicate name', body, needs, needsWhat: 'the sub-merchant', expect: { codes: ['400205'] } });
    await ctx.step({ name: 'modify sub-merchant', body: { subMerchantId: subMerchantId === undefined ? undefined : num(subMerchantId), siteUrl: 'https://example.com/new-shop' }, needs, needsWhat: 'the sub-merchant' });
    await ctx.step({ name: 'modify unknown sub-merchant', body: { subMerchantId: num('1' + randomString(15, '0123456789')), siteUrl: 'https://example.com' }, expect: { codes: ['400206'] } });
    const order = await ctx.step({ name: 'create order for sub-merchant', body: v3Order(ctx.unique('CK'), ctx.amount, ctx.currency, { merchant: { subMerchantId } }), needs, needsWhat: 'the sub-merchant' });
    const prepayId = prepayIdOf(order?.data);
    await ctx.step({ name: 'close sub-merchant order', body: { prepayId }, needs: [prepayId], needsWhat: 'the order' });
  },
};

const profitSharing: Flow = {
  name: 'profitsharing',
  family: 'profitsharing',
  title: 'Profit-sharing receivers: query, add, delete',
  plan: [
    { name: 'query receivers', endpoint: 'queryReceiver', risk: 'read', what: 'list the receivers (page 1)' },
    { name: 'add receiver', endpoint: 'addReceiver', risk: 'write', what: 'register a sandbox payer as receiver (sandbox only)' },
    { name: 'delete receiver', endpoint: 'deleteReceiver', risk: 'write', what: 'delete it again' },
  ],
  async run(ctx) {
    await ctx.step({ name: 'query receivers', body: { pageNum: 1, pageSize: 10 }, expect: { values: { 'data.currentPageNum': 1 } } });
    if (!ctx.sandbox) {
      ctx.skip('add receiver', "needs a receiver's Binance ID (sandbox: a created payer)");
      ctx.skip('delete receiver', 'needs the receiver');
      return;
    }
    const account = await ctx.sandbox.createPayer([]);
    const added = await ctx.step({ name: 'add receiver', body: { account }, expect: { echoes: { 'data.account': account } } });
    await ctx.step({ name: 'delete receiver', body: { account }, needs: [added?.ok ? account : undefined], needsWhat: 'the receiver', expect: { echoes: { 'data.account': account } } });
  },
};

const errors: Flow = {
  name: 'errors',
  family: 'errors',
  title: 'Error cases: authentication, replay, duplicates, unknown orders, bad fields',
  plan: [
    { name: 'bad signature', endpoint: 'certificates', risk: 'read', what: 'sign with another secret: 400002' },
    { name: 'lower-case signature', endpoint: 'certificates', risk: 'read', what: 'the right HMAC in lower-case hex: 400002' },
    { name: 'stale timestamp', endpoint: 'certificates', risk: 'read', what: 'a timestamp 10 minutes old: 400003' },
    { name: 'unknown API key', endpoint: 'certificates', risk: 'read', what: 'an API key that does not exist: 400004' },
    { name: 'nonce (first use)', endpoint: 'certificates', risk: 'read', what: 'a request with a fresh nonce' },
    { name: 'replayed nonce', endpoint: 'certificates', risk: 'read', what: 'the very same request again (same nonce, timestamp, signature)' },
    { name: 'wrong media type', endpoint: 'certificates', risk: 'read', what: 'content-type text/plain: 400007' },
    { name: 'wrong method', endpoint: 'certificates', risk: 'read', what: 'GET instead of POST: 400006 (or the gateway 100001001)' },
    { name: 'body not JSON', endpoint: 'createOrderV3', risk: 'read', what: 'a body that is not JSON: 400008' },
    { name: 'create for duplicate', endpoint: 'createOrderV3', risk: 'write', what: 'create an order (closed below)' },
    { name: 'duplicate merchantTradeNo', endpoint: 'createOrderV3', risk: 'write', what: 'the same merchantTradeNo again: 400201' },
    { name: 'close the duplicated order', endpoint: 'closeOrder', risk: 'write', what: 'close the first order' },
    { name: 'query unknown order', endpoint: 'queryOrderV2', risk: 'read', what: 'a merchantTradeNo never used: 400202' },
    { name: 'close unknown order', endpoint: 'closeOrder', risk: 'write', what: 'close a merchantTradeNo never used: 400202' },
    { name: 'missing description', endpoint: 'createOrderV3', risk: 'write', what: 'v3 without its mandatory description: 400100' },
    { name: 'unknown terminalType', endpoint: 'createOrderV3', risk: 'write', what: 'env.terminalType TV: 400102' },
    { name: 'nine decimals', endpoint: 'createOrderV3', risk: 'write', what: 'orderAmount with 9 decimals: 400102' },
    { name: 'symbol in merchantTradeNo', endpoint: 'createOrderV3', risk: 'write', what: 'merchantTradeNo with a dash: 400103' },
    { name: 'merchantTradeNo too long', endpoint: 'createOrderV3', risk: 'write', what: '33 characters: 400101' },
    { name: 'goodsDetails not a list', endpoint: 'createOrderV3', risk: 'write', what: 'goodsDetails as an object: 400008' },
  ],
  async run(ctx) {
    await ctx.step({ name: 'bad signature', body: {}, overrides: { signWith: randomString(64) }, expect: { codes: ['400002'] } });
    const ts = String(ctx.client.now());
    const nonce = randomString(32);
    const lower = ctx.client.headersFor('{}', { timestamp: ts, nonce })['BinancePay-Signature']?.toLowerCase();
    // the FAQ lists upper-casing as a cause of 400002: lower case is refused [INFERRED, §1.3]
    await ctx.step({ name: 'lower-case signature', body: {}, overrides: { timestamp: ts, nonce, ...(lower ? { signature: lower } : {}) }, expect: { codes: ['400002'], inferred: true } });
    await ctx.step({ name: 'stale timestamp', body: {}, overrides: { timestamp: String(ctx.client.now() - 10 * 60_000) }, expect: { codes: ['400003'] } });
    await ctx.step({ name: 'unknown API key', body: {}, overrides: { apiKey: randomString(64, 'abcdefghijklmnopqrstuvwxyz0123456789') }, expect: { codes: ['400004'] } });
    const replay = { timestamp: String(ctx.client.now()), nonce: randomString(32) };
    const first = await ctx.step({ name: 'nonce (first use)', body: {}, overrides: replay });
    // Binance does not document nonce replay (§1.5): 400001 is this server's choice
    await ctx.step({ name: 'replayed nonce', body: {}, overrides: replay, needs: [first?.ok ? true : undefined], needsWhat: 'the first request', expect: { codes: ['400001', '400002'], inferred: true } });
    await ctx.step({ name: 'wrong media type', body: {}, overrides: { contentType: 'text/plain' }, expect: { codes: ['400007'] } });
    await ctx.step({ name: 'wrong method', overrides: { method: 'GET', rawBody: '' }, expect: { codes: ['400006', '100001001'] } });
    await ctx.step({ name: 'body not JSON', overrides: { rawBody: '{"merchantTradeNo":' }, expect: { codes: ['400008'] } });

    const tradeNo = ctx.unique('CK');
    const created = await ctx.step({ name: 'create for duplicate', body: v3Order(tradeNo, ctx.amount, ctx.currency) });
    const prepayId = prepayIdOf(created?.data);
    await ctx.step({ name: 'duplicate merchantTradeNo', body: v3Order(tradeNo, ctx.amount, ctx.currency), needs: [prepayId], needsWhat: 'the first order', expect: { codes: ['400201'] } });
    await ctx.step({ name: 'close the duplicated order', body: { prepayId }, needs: [prepayId], needsWhat: 'the first order' });
    await ctx.step({ name: 'query unknown order', body: { merchantTradeNo: ctx.unique('CKU') }, expect: { codes: ['400202'] } });
    await ctx.step({ name: 'close unknown order', body: { merchantTradeNo: ctx.unique('CKU') }, expect: { codes: ['400202'] } });

    const bad = async (name: string, body: Record<string, unknown>, codes: string[], inferred = true) => {
      const result = await ctx.step({ name, body, expect: { codes, inferred } });
      // should a bad order be accepted after all, it must not stay open
      const stray = prepayIdOf(result?.data);
      if (stray) await ctx.client.send('/binancepay/openapi/order/close', { prepayId: stray });
    };
    const order = () => v3Order(ctx.unique('CK'), ctx.amount, ctx.currency);
    const { description: _omitted, ...noDescription } = order();
    await bad('missing description', noDescription, ['400100'], false);
    await bad('unknown terminalType', { ...order(), env: { terminalType: 'TV' } }, ['400102']);
    await bad('nine decimals', { ...order(), orderAmount: num('1.123456789') }, ['400102']);
    await bad('symbol in merchantTradeNo', { ...order(), merchantTradeNo: `CK-${randomString(8)}` }, ['400103']);
    await bad('merchantTradeNo too long', { ...order(), merchantTradeNo: randomString(33) }, ['400101']);
    // Binance answers a shape mismatch (goods as a list on v2) with 400008 (fact sheet §8.4)
    await bad('goodsDetails not a list', { ...order(), goodsDetails: goods()[0] }, ['400008']);
  },
};

export const FLOWS: readonly Flow[] = [orders, refunds, payouts, balances, transfers, certificates, subMerchants, profitSharing, errors];
