import { queryTransfer, transferFund } from '../../../services/transfers.ts';
import { RepeatedRequest } from '../envelope.ts';
import type { BinanceRouter } from '../plugin.ts';
import { parseBody } from '../validation.ts';
import { transferQuerySchema, transferResult, transferSchema } from '../wire/transfers.ts';

/** Transfer fund between spot and funding wallets and query it (fact sheet §3.12). */
export function transferRoutes(router: BinanceRouter): void {
  router.post('/wallet/transfer', async ({ deps, merchant, body }) => {
    const req = parseBody(transferSchema, body);
    const raw = body.amount;
    const { transfer, repeated } = await transferFund(deps, merchant, { ...req, amountText: typeof raw === 'string' ? raw : String(raw) });
    const data = transferResult(transfer);
    return repeated ? new RepeatedRequest(data) : data;
  });

  router.post('/wallet/transfer/query', async ({ deps, merchant, body }) => {
    const t = await queryTransfer(deps, merchant, parseBody(transferQuerySchema, body).tranId);
    return { tranId: t.tranId, status: t.status };
  });
}
