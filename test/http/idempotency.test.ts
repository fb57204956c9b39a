/**
 * Idempotency keys over every field (src/services/idempotency.ts), on both databases, through real
 * HTTP: for each request with a key (refund, payout, wallet transfer, profit-sharing split and
 * return), the same request again is answered as the first time, and the same key with any one
 * field changed — every field of the request, nested ones included — is refused with 400001 and
 * moves nothing. The hash covers the whole validated input, so no field can be forgotten.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder, paidOrder, tradeNo } from '../helpers/endpoints.ts';
import { createPayer, pay, verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

type Body = Record<string, unknown>;
interface Case {
  path: string;
  /** a fresh, valid first request; its key field is `key` */
  first: () => Promise<Body>;
  key: string;
  /** one changed copy per field (paths into the body), each still a valid request on its own */
  changes: (body: Body) => Promise<Array<[string, Body]>>;
}

describeEachDialect('idempotency keys', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;
  let payerA: string;
  let payerB: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: 'Idempotent Shop' });
    payerA = (await createPayer(server, [])).binanceId;
    payerB = (await createPayer(server, [])).binanceId;
    // money in both wallets and both currencies for payouts and transfers
    for (const currency of ['USDT', 'BNB']) {
      const prepayId = await createOrder(server, merchant, { currency, orderAmount: '500' });
      const p = await createPayer(server, [`500:${currency}`]);
      expect((await pay(server, prepayId, p.binanceId)).body.status).toBe('SUCCESS');
      await server.client(merchant).call('/binancepay/openapi/wallet/transfer', { requestId: `I${tradeNo()}`.slice(0, 32), currency, amount: '100', transferType: 'TO_MAIN' });
    }
    for (const account of [payerA, payerB]) await server.client(merchant).call('/binancepay/openapi/profitsharing/v1/add-receiver', { account });
  });
  afterAll(async () => server?.close());

  const sharedOrder = async () => {
    const prepayId = await createOrder(server, merchant, { orderAmount: '50', orderTags: { ifProfitSharing: true } });
    expect((await pay(server, prepayId, (await createPayer(server, ['50:USDT'])).binanceId)).body.status).toBe('SUCCESS');
    return prepayId;
  };
  const key = (prefix: string) => `${prefix}${tradeNo()}`.slice(0, 32);
  const set = (body: Body, path: string, value: unknown): Body => {
    const copy = structuredClone(body);
    const parts = path.split('.');
    let at: Record<string, unknown> = copy;
    for (const p of parts.slice(0, -1)) at = at[p] as Record<string, unknown>;
    at[parts.at(-1) as string] = value;
    return copy;
  };

  const CASES: Case[] = [
    {
      path: '/binancepay/openapi/order/refund',
      key: 'refundRequestId',
      first: async () => ({ refundRequestId: key('R'), prepayId: await paidOrder(server, merchant, '20'), refundAmount: '1', refundReason: 'damaged', webhookUrl: 'https://a.example.com/hook' }),
      changes: async (b) => [
        ['prepayId', set(b, 'prepayId', await paidOrder(server, merchant, '20'))],
        ['refundAmount', set(b, 'refundAmount', '2')],
        ['refundReason', set(b, 'refundReason', 'late')],
        ['webhookUrl', set(b, 'webhookUrl', 'https://b.example.com/hook')],
      ],
    },
    {
      path: '/binancepay/openapi/payout/transfer',
      key: 'requestId',
      first: async () => ({
        requestId: key('P'),
        batchName: 'rewards',
        currency: 'USDT',
        totalAmount: '3',
        totalNumber: 1,
        bizScene: 'CRYPTO_REWARDS',
        webhookUrl: 'https://a.example.com/hook',
        transferDetailList: [{ merchantSendId: 'S1', receiveType: 'BINANCE_ID', receiver: payerA, transferAmount: '3', transferMethod: 'FUNDING_WALLET', remark: 'thanks' }],
      }),
      changes: async (b) => [
        ['batchName', set(b, 'batchName', 'bonus')],
        ['currency', set(set(b, 'currency', 'BNB'), 'transferDetailList', [{ ...(b.transferDetailList as Body[])[0], transferAmount: '3' }])],
        ['totalAmount', set(set(b, 'totalAmount', '4'), 'transferDetailList.0.transferAmount', '4')],
        ['bizScene', set(b, 'bizScene', 'SETTLEMENT')],
        ['webhookUrl', set(b, 'webhookUrl', 'https://b.example.com/hook')],
        ['transferDetailList.0.merchantSendId', set(b, 'transferDetailList.0.merchantSendId', 'S2')],
        ['transferDetailList.0.receiver', set(b, 'transferDetailList.0.receiver', payerB)],
        ['transferDetailList.0.transferMethod', set(b, 'transferDetailList.0.transferMethod', 'SPOT_WALLET')],
        ['transferDetailList.0.remark', set(b, 'transferDetailList.0.remark', 'again')],
        ['totalNumber', set(set(b, 'totalNumber', 2), 'transferDetailList', [{ ...(b.transferDetailList as Body[])[0], transferAmount: '1' }, { ...(b.transferDetailList as Body[])[0], merchantSendId: 'S9', transferAmount: '2' }])],
      ],
    },
    {
      path: '/binancepay/openapi/wallet/transfer',
      key: 'requestId',
      first: async () => ({ requestId: key('T'), currency: 'USDT', amount: '1', transferType: 'TO_MAIN' }),
      changes: async (b) => [
        ['currency', set(b, 'currency', 'BNB')],
        ['amount', set(b, 'amount', '2')],
        ['transferType', set(b, 'transferType', 'TO_PAY')],
      ],
    },
    {
      path: '/binancepay/openapi/profitsharing/v1/submit-split',
      key: 'merchantRequestId',
      first: async () => ({ merchantRequestId: key('S'), prepayOrderId: await sharedOrder(), receiverList: [{ account: payerA, amount: '2', description: 'seller', webhookUrl: 'https://a.example.com/hook' }] }),
      changes: async (b) => [
        ['prepayOrderId', set(b, 'prepayOrderId', await sharedOrder())],
        ['receiverList.0.account', set(b, 'receiverList.0.account', payerB)],
        ['receiverList.0.amount', set(b, 'receiverList.0.amount', '3')],
        ['receiverList.0.description', set(b, 'receiverList.0.description', 'buyer')],
        ['receiverList.0.webhookUrl', set(b, 'receiverList.0.webhookUrl', 'https://b.example.com/hook')],
      ],
    },
    {
      path: '/binancepay/openapi/profitsharing/v1/return',
      key: 'merchantReturnNo',
      first: async () => {
        const prepayOrderId = await sharedOrder();
        const split = await server.client(merchant).call<{ splitOrderNo: string }>('/binancepay/openapi/profitsharing/v1/submit-split', { merchantRequestId: key('S'), prepayOrderId, receiverList: [{ account: payerA, amount: '5' }, { account: payerB, amount: '5' }] });
        return { merchantReturnNo: key('RT'), prepayOrderId, splitOrderNo: split.splitOrderNo, transferOutAccount: payerA, returnAmount: '1', description: 'returned', webhookUrl: 'https://a.example.com/hook' };
      },
      changes: async (b) => [
        ['prepayOrderId', set(b, 'prepayOrderId', await sharedOrder())],
        ['transferOutAccount', set(b, 'transferOutAccount', payerB)],
        ['returnAmount', set(b, 'returnAmount', '2')],
        ['description', set(b, 'description', 'refunded')],
        ['webhookUrl', set(b, 'webhookUrl', 'https://b.example.com/hook')],
        ['splitOrderNo → originMerchantRequestId', { ...b, splitOrderNo: undefined, originMerchantRequestId: 'ORIGIN1' }],
      ],
    },
  ];

  for (const c of CASES) {
    it(`${c.path}: the same ${c.key} with any one field changed is refused (400001), the same request is answered again`, async () => {
      const client = server.client(merchant);
      const body = await c.first();
      const answer = await client.request(c.path, body);
      expect(answer.envelope?.status, answer.rawText).toBe('SUCCESS');
      const again = await client.request(c.path, body);
      // a refund says it is the repeat (fact sheet §3.5 duplicateRequest); otherwise the answer is the same
      const same = (d: unknown) => ({ ...(d as Body), duplicateRequest: undefined });
      expect(same(again.envelope?.data), again.rawText).toEqual(same(answer.envelope?.data));
      const changes = await c.changes(body);
      // every field of the request but its key is among the changes (the nested ones by path)
      const covered = new Set(changes.map(([field]) => field.split('.')[0]?.split(' ')[0]));
      for (const field of Object.keys(body).filter((f) => f !== c.key)) expect(covered.has(field), `${field} is not changed by the table`).toBe(true);
      for (const [field, changed] of changes) {
        const refused = await client.request(c.path, changed);
        expect(refused.envelope?.code, `${field}: ${refused.rawText}`).toBe('400001');
      }
      expect((await verifyLedger(server)).ok).toBe(true);
    });
  }
});
