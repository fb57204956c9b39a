import { checkReceiver, createPayout, queryPayout } from '../../../services/payouts.ts';
import type { BinanceRouter } from '../plugin.ts';
import { parseBody } from '../validation.ts';
import { detailStatuses, payoutAccepted, payoutQueryResult, payoutQuerySchema, payoutSchema, receiverCheckSchema, toPayoutInput } from '../wire/payouts.ts';

/** Batch payout (fact sheet §3.8), payout query (§3.9) and receiver check (§3.10). */
export function payoutRoutes(router: BinanceRouter): void {
  router.post('/payout/transfer', async ({ deps, merchant, body }) => {
    const { payout } = await createPayout(deps, merchant, toPayoutInput(parseBody(payoutSchema, body)));
    return payoutAccepted(payout);
  });

  router.post('/payout/query', async ({ deps, merchant, body }) => {
    const req = parseBody(payoutQuerySchema, body);
    const { payout, details } = await queryPayout(deps, merchant, req.requestId, detailStatuses(req.detailStatus));
    return payoutQueryResult(payout, details);
  });

  router.post('/payout/receiver/check', async ({ deps, body }) => {
    const req = parseBody(receiverCheckSchema, body);
    return checkReceiver(deps, { receiverId: req.receiverId, registrationEmail: req.registrationEmail });
  });
}
