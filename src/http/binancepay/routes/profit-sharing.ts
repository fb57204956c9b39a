import { addReceiver, deleteReceiver, queryReceivers, querySplit, returnSplit, submitSplit } from '../../../services/profit-sharing.ts';
import type { BinanceRouter } from '../plugin.ts';
import { parseBody } from '../validation.ts';
import { queryReceiverSchema, querySplitSchema, receiverSchema, returnResult, returnSchema, splitResult, submitSplitSchema } from '../wire/profit-sharing.ts';

/** Profit sharing v1 (fact sheet §3.14). */
export function profitSharingRoutes(router: BinanceRouter): void {
  router.post('/profitsharing/v1/add-receiver', async ({ deps, merchant, body }) => ({ account: await addReceiver(deps, merchant, parseBody(receiverSchema, body).account) }));

  router.post('/profitsharing/v1/del-receiver', async ({ deps, merchant, body }) => ({ account: await deleteReceiver(deps, merchant, parseBody(receiverSchema, body).account) }));

  router.post('/profitsharing/v1/query-receiver', async ({ deps, merchant, body }) => {
    const req = parseBody(queryReceiverSchema, body);
    const page = await queryReceivers(deps, merchant, req.pageNum, req.pageSize);
    return { accountList: page.accounts, totalPageNum: page.totalPages, totalRecordNum: page.total, currentPageNum: req.pageNum, currentPageSize: req.pageSize };
  });

  router.post('/profitsharing/v1/submit-split', async ({ deps, merchant, body }) => {
    const req = parseBody(submitSplitSchema, body);
    return splitResult(await submitSplit(deps, merchant, { merchantRequestId: req.merchantRequestId, prepayOrderId: req.prepayOrderId, receivers: req.receiverList }));
  });

  router.post('/profitsharing/v1/query-split', async ({ deps, merchant, body }) => {
    const req = parseBody(querySplitSchema, body);
    return splitResult(await querySplit(deps, merchant, req.merchantRequestId, req.prepayOrderId));
  });

  router.post('/profitsharing/v1/return', async ({ deps, merchant, body }) => returnResult(await returnSplit(deps, merchant, parseBody(returnSchema, body))));
}
