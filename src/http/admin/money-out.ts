/** Admin views of refunds and payouts, and the sandbox's refund controls. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Payout, PayoutDetail } from '../../domain/payout.ts';
import type { Refund } from '../../domain/refund.ts';
import { formatAmount } from '../../lib/amount.ts';
import { payoutJournal } from '../../services/journal.ts';
import { getPayout, listPayouts } from '../../services/payouts.ts';
import { listRefunds, settlePendingRefund } from '../../services/refunds.ts';
import { parseAdmin, sendOk, type AdminContext } from './plugin.ts';
import { journalView } from './sandbox.ts';
import { idFilter, pageLimit } from '../shared/cursors.ts';

export function refundView(r: Refund) {
  return {
    refundId: r.refundId,
    refundRequestId: r.refundRequestId,
    merchantId: r.merchantId,
    prepayId: r.prepayId,
    status: r.status,
    currency: r.currency,
    requestedAmount: formatAmount(r.requestedAmount),
    refundAmount: formatAmount(r.refundAmount),
    refundedTotal: formatAmount(r.refundedTotal),
    remainingAttempts: r.remainingAttempts,
    refundReason: r.refundReason,
    webhookUrl: r.webhookUrl,
    createdAtMs: r.createdAtMs,
    updatedAtMs: r.updatedAtMs,
  };
}

export function payoutView(p: Payout) {
  return { payoutId: p.payoutId, requestId: p.requestId, merchantId: p.merchantId, batchName: p.batchName, bizScene: p.bizScene, status: p.status, currency: p.currency, totalAmount: formatAmount(p.totalAmount), totalNumber: p.totalNumber, webhookUrl: p.webhookUrl, createdAtMs: p.createdAtMs, updatedAtMs: p.updatedAtMs };
}

function detailView(d: PayoutDetail) {
  return { orderId: d.detailId, merchantSendId: d.merchantSendId, receiveType: d.receiveType, receiver: d.receiver, amount: formatAmount(d.amount), transferMethod: d.transferMethod, status: d.status, failReason: d.failReason, payeeId: d.payeeBinanceId, awaitingUntilMs: d.awaitingUntilMs, remark: d.remark };
}

const digits = z.string().regex(/^\d{1,19}$/);

export function moneyOutRoutes(app: FastifyInstance, { deps }: AdminContext): void {
  app.get('/refunds', async (request, reply) => {
    const q = parseAdmin(
      z.object({ merchantId: idFilter, prepayId: digits.optional(), status: z.enum(['REFUND_PENDING', 'REFUND_SUCCESS', 'REFUND_FAIL']).optional(), limit: pageLimit(500) }),
      request.query,
    );
    return sendOk(reply, (await listRefunds(deps, { merchantId: q.merchantId, prepayId: q.prepayId, status: q.status, limit: q.limit ?? 50 })).map(refundView));
  });

  for (const [action, outcome] of [
    ['complete', 'SUCCESS'],
    ['reject', 'REJECT'],
  ] as const) {
    app.post(`/refunds/:refundId/${action}`, async (request, reply) => {
      const { refundId } = parseAdmin(z.object({ refundId: digits }), request.params);
      return sendOk(reply, refundView(await settlePendingRefund(deps, refundId, outcome)));
    });
  }

  app.get('/payouts', async (request, reply) => {
    const q = parseAdmin(z.object({ merchantId: idFilter, requestId: z.string().max(32).optional(), limit: pageLimit(500) }), request.query);
    return sendOk(reply, (await listPayouts(deps, { merchantId: q.merchantId, requestId: q.requestId, ...(q.limit ? { limit: q.limit } : {}) })).map(payoutView));
  });

  app.get('/payouts/:payoutId', async (request, reply) => {
    const { payoutId } = parseAdmin(z.object({ payoutId: digits }), request.params);
    const { payout, details } = await getPayout(deps, payoutId);
    return sendOk(reply, { ...payoutView(payout), details: details.map(detailView), journal: (await payoutJournal(deps, payoutId)).map(journalView) });
  });
}
