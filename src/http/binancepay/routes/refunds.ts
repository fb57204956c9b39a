import { queryRefund, refundOrder } from '../../../services/refunds.ts';
import type { BinanceRouter } from '../plugin.ts';
import { parseBody } from '../validation.ts';
import { queryRefundResult, queryRefundSchema, refundResult, refundSchema } from '../wire/refunds.ts';

/** Refund (fact sheet §3.5) and query refund (§3.6). */
export function refundRoutes(router: BinanceRouter): void {
  router.post('/order/refund', async ({ deps, merchant, body }) => {
    const outcome = await refundOrder(deps, merchant, parseBody(refundSchema, body));
    return refundResult(outcome.refund, outcome.order, outcome.duplicate);
  });

  router.post('/order/refund/query', async ({ deps, merchant, body }) => {
    const { refund, order } = await queryRefund(deps, merchant, parseBody(queryRefundSchema, body).refundRequestId);
    return queryRefundResult(refund, order);
  });
}
