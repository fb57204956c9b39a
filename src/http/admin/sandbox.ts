/**
 * Sandbox operations of the admin API: simulated payers, acting on orders as a payer, the ledger
 * (verify, journal, balances) and time control.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Errors, fail } from '../../domain/errors.ts';
import type { AccountBalance, JournalEntry } from '../../domain/ledger.ts';
import { ORDER_STATUSES, type Order } from '../../domain/order.ts';
import type { Payer } from '../../domain/payer.ts';
import { formatAmount, formatAmountTrimmed, MAX_AMOUNT, parseAmount } from '../../lib/amount.ts';
import { merchantWalletBalances, ownerBalances } from '../../services/balances.ts';
import { auditLedger } from '../../services/ledger-audit.ts';
import { orderJournal } from '../../services/journal.ts';
import { getMerchant } from '../../services/merchants.ts';
import { getOrder, listOrders, orderUrls } from '../../services/orders.ts';
import { createPayer, fundPayer, getPayer, listPayers, payerBalances } from '../../services/payers.ts';
import { refundsOfOrder } from '../../services/refunds.ts';
import { failPayment, payableCurrencies, payOrder, startPayment } from '../../services/payments.ts';
import { advanceTime, parseDuration, timeStatus } from '../../services/time-control.ts';
import { queryOrderV2Result } from '../binancepay/wire/orders.ts';
import { idParam, parseAdmin, sendOk, type AdminContext } from './plugin.ts';
import { idFilter, pageLimit, timeCursor } from '../shared/cursors.ts';

const asset = z.string().regex(/^[A-Z0-9]{2,10}$/, 'upper-case asset, e.g. USDT');
const TOO_LARGE = `must be at most ${formatAmountTrimmed(MAX_AMOUNT)}, the most one account may hold (docs/ledger.md)`;
const amountText = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const parsed = parseAmount(String(v));
  if (!parsed.ok || parsed.value <= 0n) {
    ctx.addIssue({ code: 'custom', message: !parsed.ok && parsed.reason === 'TOO_LARGE' ? TOO_LARGE : 'must be a positive decimal with at most 8 decimals' });
    return z.NEVER;
  }
  return parsed.value;
});
/** "100:USDT" or { amount, asset } */
const funding = z.union([
  z.string().transform((v, ctx) => {
    const [a, s] = v.split(':');
    const parsed = parseAmount(a ?? '');
    if (!parsed.ok || parsed.value <= 0n || !s || !/^[A-Z0-9]{2,10}$/.test(s)) {
      ctx.addIssue({ code: 'custom', message: !parsed.ok && parsed.reason === 'TOO_LARGE' ? `amount ${TOO_LARGE}` : 'expected AMOUNT:ASSET, e.g. 100:USDT' });
      return z.NEVER;
    }
    return { amount: parsed.value, asset: s };
  }),
  z.object({ amount: amountText, asset, wallet: z.enum(['FUNDING', 'SPOT']).optional() }),
]);
const binanceId = z.string().regex(/^\d{1,18}$/, 'a numeric Binance ID');
const prepayId = z.object({ prepayId: z.string().regex(/^\d{1,19}$/, 'a numeric prepayId') });
// built once: zod compiles an object schema on its first parse, which costs more than the parse
const payBody = z.object({ payer: binanceId, currency: asset.optional() });

export function balanceView(b: AccountBalance) {
  return { wallet: b.ref.wallet, asset: b.ref.asset, balance: formatAmount(b.balance), available: formatAmount(b.available), pending: formatAmount(b.pendingDebits) };
}

export function journalView(e: JournalEntry) {
  const side = (r: JournalEntry['debit']) => `${r.ownerType}:${r.ownerId}:${r.wallet}`;
  return { id: e.id, kind: e.kind, phase: e.phase, asset: e.asset, amount: formatAmount(e.amount), debit: side(e.debit), credit: side(e.credit), refType: e.refType, refId: e.refId, pendingId: e.pendingId, createdAtMs: e.createdAtMs };
}

async function payerView(ctx: AdminContext, p: Payer) {
  return { ...p, balances: (await payerBalances(ctx.deps, p.binanceId)).map(balanceView) };
}

/** An order for operators: the query-order view plus what only the sandbox knows. */
export function adminOrderView(ctx: AdminContext, order: Order) {
  return {
    ...queryOrderV2Result(order),
    apiVersion: order.apiVersion,
    terminalType: order.terminalType,
    description: order.description,
    expireTime: order.expireTimeMs,
    payableCurrencies: payableCurrencies(ctx.deps, order),
    commission: formatAmount(order.commission),
    refundedAmount: formatAmount(order.refundedAmount),
    ...orderUrls(ctx.deps, order),
  };
}

export function sandboxRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const { deps } = ctx;

  app.post('/payers', async (request, reply) => {
    const body = parseAdmin(z.object({ email: z.email().max(128).nullish(), name: z.string().max(128).nullish(), fund: z.array(funding).max(50).optional() }), request.body);
    const payer = await createPayer(deps, { email: body.email ?? null, name: body.name ?? null, fund: body.fund ?? [] });
    return sendOk(reply, await payerView(ctx, payer), 201);
  });

  app.get('/payers', async (request, reply) => {
    const q = parseAdmin(z.object({ limit: pageLimit(1000), after: binanceId.optional() }), request.query);
    const payers = await listPayers(deps, { ...(q.limit ? { limit: q.limit } : {}), ...(q.after ? { afterId: q.after } : {}) });
    return sendOk(reply, payers);
  });

  app.get('/payers/:binanceId', async (request, reply) => {
    const { binanceId: id } = parseAdmin(z.object({ binanceId }), request.params);
    return sendOk(reply, await payerView(ctx, await getPayer(deps, id)));
  });

  app.post('/payers/:binanceId/fund', async (request, reply) => {
    const { binanceId: id } = parseAdmin(z.object({ binanceId }), request.params);
    const f = parseAdmin(funding, request.body);
    await fundPayer(deps, id, f);
    return sendOk(reply, await payerView(ctx, await getPayer(deps, id)));
  });

  app.get('/orders', async (request, reply) => {
    const q = parseAdmin(
      z.object({
        merchantId: idFilter,
        status: z.enum(ORDER_STATUSES).optional(),
        merchantTradeNo: z.string().max(32).optional(),
        limit: pageLimit(500),
        before: timeCursor,
      }),
      request.query,
    );
    const list = await listOrders(deps, { merchantId: q.merchantId, status: q.status, merchantTradeNo: q.merchantTradeNo, limit: q.limit, beforeCreateTimeMs: q.before });
    return sendOk(reply, list.map((o) => adminOrderView(ctx, o)));
  });

  app.get('/orders/:prepayId', async (request, reply) => {
    const { prepayId: id } = parseAdmin(prepayId, request.params);
    const order = await getOrder(deps, id);
    const refunds = (await refundsOfOrder(deps, id)).map((r) => ({ refundId: r.refundId, refundRequestId: r.refundRequestId, status: r.status, refundAmount: formatAmount(r.refundAmount), createdAtMs: r.createdAtMs }));
    return sendOk(reply, { ...adminOrderView(ctx, order), refunds, journal: (await orderJournal(deps, id)).map(journalView) });
  });

  app.post('/orders/:prepayId/start', async (request, reply) => {
    const { prepayId: id } = parseAdmin(prepayId, request.params);
    const body = parseAdmin(z.object({ payer: binanceId }), request.body);
    return sendOk(reply, queryOrderV2Result(await startPayment(deps, id, body.payer)));
  });

  app.post('/orders/:prepayId/pay', async (request, reply) => {
    const { prepayId: id } = parseAdmin(prepayId, request.params);
    const body = parseAdmin(payBody, request.body);
    return sendOk(reply, queryOrderV2Result(await payOrder(deps, { prepayId: id, payerBinanceId: body.payer, payCurrency: body.currency })));
  });

  app.post('/orders/:prepayId/fail', async (request, reply) => {
    const { prepayId: id } = parseAdmin(prepayId, request.params);
    return sendOk(reply, queryOrderV2Result(await failPayment(deps, id)));
  });

  app.get('/merchants/:merchantId/balances', async (request, reply) => {
    const { merchantId } = parseAdmin(z.object({ merchantId: idParam }), request.params);
    await getMerchant(deps, merchantId);
    return sendOk(reply, (await ownerBalances(deps, 'MERCHANT', String(merchantId))).map(balanceView));
  });

  app.get('/merchants/:merchantId/wallets/:wallet', async (request, reply) => {
    const { merchantId, wallet } = parseAdmin(z.object({ merchantId: idParam, wallet: z.enum(['FUNDING', 'SPOT']) }), request.params);
    await getMerchant(deps, merchantId);
    const balances = await merchantWalletBalances(deps, merchantId, wallet);
    return sendOk(reply, balances.map((b) => ({ asset: b.asset, available: formatAmount(b.available), freeze: formatAmount(b.freeze) })));
  });

  app.get('/ledger/verify', async (_request, reply) => sendOk(reply, await auditLedger(deps)));

  app.get('/time', async (_request, reply) => sendOk(reply, await timeStatus(deps)));

  app.post('/time/advance', async (request, reply) => {
    const body = parseAdmin(z.object({ by: z.union([z.string(), z.number()]) }), request.body);
    const ms = parseDuration(body.by);
    if (ms === undefined) fail(Errors.BAD_ADMIN_REQUEST, 'by: expected milliseconds or a duration like 90s, 15m, 1h, 3d');
    return sendOk(reply, await advanceTime(deps, ms));
  });

  app.post('/workers/run', async (_request, reply) => {
    await deps.events.timeMoved.emit();
    return sendOk(reply, await timeStatus(deps));
  });
}
