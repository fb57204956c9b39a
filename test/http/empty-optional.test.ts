/**
 * `""` in an optional field is the same as leaving it out (docs/api-coverage.md; issue: Binance's
 * FAQ signs `"returnUrl":""`, a v3 body on its developer forum ends `"returnUrl":"","cancelUrl":""`,
 * and the Go client dmitrorezn/go-binancepay sends every optional string empty), on both dialects.
 *
 * The table is read from the endpoints' own schemas: every optional field of every request body,
 * nested ones included, is sent as `""` and answered exactly as when it is absent — so a field
 * added later is covered without touching this file. A real Go-style body then creates, queries and
 * closes an order.
 */
import type { RawResponse } from '@binance-pay-server/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { balanceV2Schema, balanceV1Schema } from '../../src/http/binancepay/wire/balance.ts';
import { createOrderSeedSchema, createOrderV1Schema, createOrderV2Schema, createOrderV3Schema, queryOrderSchema } from '../../src/http/binancepay/wire/orders.ts';
import { payoutQuerySchema, payoutSchema, receiverCheckSchema } from '../../src/http/binancepay/wire/payouts.ts';
import { querySplitSchema, queryReceiverSchema, receiverSchema, returnSchema, submitSplitSchema } from '../../src/http/binancepay/wire/profit-sharing.ts';
import { queryRefundSchema, refundSchema } from '../../src/http/binancepay/wire/refunds.ts';
import { addSubMerchantSchema, modifySubMerchantSchema } from '../../src/http/binancepay/wire/sub-merchants.ts';
import { transferQuerySchema, transferSchema } from '../../src/http/binancepay/wire/transfers.ts';
import { describeEachDialect } from '../helpers/dialects.ts';
import { ENDPOINTS, createOrder, paidOrder, tradeNo, v1OrderBody, v2OrderBody, v3OrderBody } from '../helpers/endpoints.ts';
import { failureText } from '../helpers/envelope.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

type Path = Array<string | number>;
type Body = Record<string, unknown>;

/** Every field of an object schema, with its path and whether it is optional (opt() in wire/fields.ts). */
function fieldsOf(schema: z.ZodType, prefix: Path = []): Array<{ path: Path; optional: boolean }> {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape) return [];
  const out: Array<{ path: Path; optional: boolean }> = [];
  for (const [key, field] of Object.entries(shape)) {
    const piped = (field as unknown as { out?: z.ZodType }).out ?? field;
    const optional = piped instanceof z.ZodOptional;
    const inner = optional ? (piped as z.ZodOptional<z.ZodType>).unwrap() : piped;
    const path = [...prefix, key];
    out.push({ path, optional });
    if (inner instanceof z.ZodObject) out.push(...fieldsOf(inner, path));
    if (inner instanceof z.ZodArray && inner.element instanceof z.ZodObject) out.push(...fieldsOf(inner.element, [...path, 0]));
  }
  return out;
}

const label = (path: Path) => path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');

function parentOf(body: Body, path: Path): Record<string | number, unknown> | undefined {
  let node: unknown = body;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>) : undefined;
}

function withField(body: Body, path: Path, value: unknown | typeof ABSENT): Body {
  const copy = structuredClone(body);
  const parent = parentOf(copy, path);
  if (!parent) throw new Error(`the full body has no ${label(path.slice(0, -1))}`);
  const key = path[path.length - 1] as string | number;
  if (value === ABSENT) delete parent[key];
  else parent[key] = value;
  return copy;
}
const ABSENT = Symbol('absent');

interface Case {
  path: string;
  schema: z.ZodType;
  /** a valid body holding every optional object, so nested fields have a parent; fresh ids per call */
  full(): Promise<Body>;
  /** the full body answers SUCCESS (every case here does; the flag keeps a business refusal expressible) */
  succeeds: boolean;
}

describeEachDialect('optional fields sent as ""', (dialect) => {
  let server: TestServer;
  let m: MerchantCredentials;
  let receiver: string;
  let splitOrder: string;
  let subMerchantId: string;
  let counter = 0;
  const unique = (p: string) => `${p}${Date.now()}${counter++}`;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    m = await server.createMerchant({ name: 'Empty Fields Shop' });
    receiver = (await server.adminOk<{ binanceId: string }>('POST', '/payers', {})).binanceId;
    await server.client(m).call('/binancepay/openapi/profitsharing/v1/add-receiver', { account: receiver });
    splitOrder = await createOrder(server, m, { orderAmount: '1000', orderTags: { ifProfitSharing: true } });
    const payer = await server.adminOk<{ binanceId: string }>('POST', '/payers', { fund: ['1000:USDT'] });
    await server.adminOk('POST', `/orders/${splitOrder}/pay`, { payer: payer.binanceId });
    subMerchantId = String((await server.client(m).call<{ subMerchantId: number }>('/binancepay/openapi/submerchant/add', { merchantName: unique('Sub'), storeType: 0, merchantMcc: '1001', siteUrl: 'https://s.example' })).subMerchantId);
  });
  afterAll(async () => server?.close());

  const goods = { goodsType: '01', goodsCategory: 'D000', referenceGoodsId: 'SKU1', goodsName: 'Ice Cream', goodsUnitAmount: { currency: 'USDT', amount: '1' } };
  const name = { firstName: 'Ada', lastName: 'Lovelace' };
  const orderObjects = { merchant: {}, shipping: { shippingName: name, shippingAddress: { region: 'GB' } }, buyer: { buyerName: name }, orderTags: {} };
  const payoutBody = () => ({
    requestId: unique('P'),
    batchName: 'empty',
    currency: 'USDT',
    totalAmount: '1',
    totalNumber: 1,
    transferDetailList: [{ merchantSendId: 'S1', receiveType: 'BINANCE_ID', receiver, transferAmount: '1', transferMethod: 'FUNDING_WALLET' }],
  });
  const subMerchant = () => ({ merchantName: unique('Sub'), storeType: 0, merchantMcc: '1001', siteUrl: 'https://shop.example' });
  const split = async () => {
    const merchantRequestId = unique('S');
    const done = await server.client(m).call<{ splitOrderNo: string }>('/binancepay/openapi/profitsharing/v1/submit-split', { merchantRequestId, prepayOrderId: splitOrder, receiverList: [{ account: receiver, amount: '0.01' }] });
    return { merchantRequestId, splitOrderNo: done.splitOrderNo };
  };
  const refundOf = async () => ({ refundRequestId: unique('R'), prepayId: await paidOrder(server, m), refundAmount: '1' });

  const CASES: Case[] = [
    { path: '/binancepay/openapi/v3/order', schema: createOrderV3Schema, succeeds: true, full: async () => v3OrderBody({ ...orderObjects, goodsDetails: [goods] }) },
    { path: '/binancepay/openapi/v3/order/create', schema: createOrderV3Schema, succeeds: true, full: async () => v3OrderBody({ ...orderObjects, goodsDetails: [goods] }) },
    { path: '/binancepay/openapi/v3/order/create', schema: createOrderSeedSchema, succeeds: true, full: async () => ({ merchantTradeNo: tradeNo(), totalFee: '2', currency: 'USDT' }) },
    { path: '/binancepay/openapi/v2/order', schema: createOrderV2Schema, succeeds: true, full: async () => v2OrderBody({ ...orderObjects, goods }) },
    { path: '/binancepay/openapi/order', schema: createOrderV1Schema, succeeds: true, full: async () => v1OrderBody() },
    { path: '/binancepay/openapi/v2/order/query', schema: queryOrderSchema, succeeds: true, full: async () => ({ prepayId: await createOrder(server, m) }) },
    { path: '/binancepay/openapi/order/query', schema: queryOrderSchema, succeeds: true, full: async () => ({ prepayId: await createOrder(server, m) }) },
    { path: '/binancepay/openapi/order/close', schema: queryOrderSchema, succeeds: true, full: async () => ({ prepayId: await createOrder(server, m) }) },
    { path: '/binancepay/openapi/order/refund', schema: refundSchema, succeeds: true, full: refundOf },
    {
      path: '/binancepay/openapi/order/refund/query',
      schema: queryRefundSchema,
      succeeds: true,
      full: async () => {
        const body = await refundOf();
        await server.client(m).call('/binancepay/openapi/order/refund', body);
        return { refundRequestId: body.refundRequestId };
      },
    },
    { path: '/binancepay/openapi/payout/transfer', schema: payoutSchema, succeeds: true, full: async () => payoutBody() },
    {
      path: '/binancepay/openapi/payout/query',
      schema: payoutQuerySchema,
      succeeds: true,
      full: async () => {
        const body = payoutBody();
        await server.client(m).call('/binancepay/openapi/payout/transfer', body);
        return { requestId: body.requestId };
      },
    },
    { path: '/binancepay/openapi/payout/receiver/check', schema: receiverCheckSchema, succeeds: true, full: async () => ({ receiveType: 'BINANCE_ID', receiverId: receiver }) },
    { path: '/binancepay/openapi/balance', schema: balanceV1Schema, succeeds: true, full: async () => ({ wallet: 'FUNDING_WALLET', currency: 'USDT' }) },
    { path: '/binancepay/openapi/v2/balance', schema: balanceV2Schema, succeeds: true, full: async () => ({ wallet: 'SPOT_WALLET' }) },
    { path: '/binancepay/openapi/wallet/transfer', schema: transferSchema, succeeds: true, full: async () => ({ requestId: unique('W'), currency: 'USDT', amount: '1', transferType: 'TO_MAIN' }) },
    {
      path: '/binancepay/openapi/wallet/transfer/query',
      schema: transferQuerySchema,
      succeeds: true,
      full: async () => {
        const requestId = unique('W');
        await server.client(m).request('/binancepay/openapi/wallet/transfer', { requestId, currency: 'USDT', amount: '1', transferType: 'TO_MAIN' });
        return { tranId: requestId };
      },
    },
    { path: '/binancepay/openapi/submerchant/add', schema: addSubMerchantSchema, succeeds: true, full: async () => subMerchant() },
    { path: '/binancepay/openapi/submerchant/modify', schema: modifySubMerchantSchema, succeeds: true, full: async () => ({ subMerchantId, siteUrl: 'https://new.example' }) },
    { path: '/binancepay/openapi/profitsharing/v1/add-receiver', schema: receiverSchema, succeeds: true, full: async () => ({ account: receiver }) },
    { path: '/binancepay/openapi/profitsharing/v1/query-receiver', schema: queryReceiverSchema, succeeds: true, full: async () => ({ pageNum: 1, pageSize: 10 }) },
    {
      path: '/binancepay/openapi/profitsharing/v1/del-receiver',
      schema: receiverSchema,
      succeeds: true,
      full: async () => {
        const { binanceId } = await server.adminOk<{ binanceId: string }>('POST', '/payers', {});
        await server.client(m).call('/binancepay/openapi/profitsharing/v1/add-receiver', { account: binanceId });
        return { account: binanceId };
      },
    },
    {
      path: '/binancepay/openapi/profitsharing/v1/submit-split',
      schema: submitSplitSchema,
      succeeds: true,
      full: async () => ({ merchantRequestId: unique('S'), prepayOrderId: splitOrder, receiverList: [{ account: receiver, amount: '0.01' }] }),
    },
    {
      path: '/binancepay/openapi/profitsharing/v1/query-split',
      schema: querySplitSchema,
      succeeds: true,
      full: async () => ({ merchantRequestId: (await split()).merchantRequestId, prepayOrderId: splitOrder }),
    },
    {
      path: '/binancepay/openapi/profitsharing/v1/return',
      schema: returnSchema,
      succeeds: true,
      full: async () => {
        const done = await split();
        return { prepayOrderId: splitOrder, splitOrderNo: done.splitOrderNo, originMerchantRequestId: done.merchantRequestId, merchantReturnNo: unique('R'), transferOutAccount: receiver, returnAmount: '0.01', description: 'return' };
      },
    },
  ];

  const send = (path: string, body: Body): Promise<RawResponse> => server.client(m).request(path, body);

  it('the table covers every endpoint the server implements', () => {
    const covered = new Set(CASES.map((c) => c.path));
    const missing = ENDPOINTS.filter((e) => !e.bodyless && !covered.has(e.path)).map((e) => e.path);
    expect(missing).toEqual([]);
  });

  for (const c of CASES) {
    describe(`${c.path} (${fieldsOf(c.schema).filter((f) => f.optional).length} optional fields)`, () => {
      it('the full body is valid', async () => {
        const r = await send(c.path, await c.full());
        if (c.succeeds) expect(r.envelope, r.rawText).toMatchObject({ status: 'SUCCESS' });
        else expect(r.envelope?.code, r.rawText).not.toMatch(/^4001/);
      });

      for (const field of fieldsOf(c.schema).filter((f) => f.optional)) {
        it(`${label(field.path)}: "" is answered as if absent`, async () => {
          const full = await c.full();
          expect(parentOf(full, field.path), `extend the full body of ${c.path} with ${label(field.path.slice(0, -1))}`).toBeDefined();
          const empty = await send(c.path, withField(full, field.path, ''));
          const absent = await send(c.path, withField(await c.full(), field.path, ABSENT));
          expect(empty.envelope?.code, `${empty.rawText}\nabsent: ${absent.rawText}`).toBe(absent.envelope?.code);
          expect(failureText(empty.envelope)).not.toMatch(/must not be empty/);
          if (c.succeeds) expect(['SUCCESS', 'FAIL']).toContain(empty.envelope?.status);
        });
      }
    });
  }

  it('the issue’s fields are among them, and a required field sent as "" is still 400100', async () => {
    const optional = (schema: z.ZodType) => fieldsOf(schema).filter((f) => f.optional).map((f) => label(f.path));
    for (const schema of [createOrderV3Schema, createOrderV2Schema, createOrderV1Schema]) {
      expect(optional(schema)).toEqual(expect.arrayContaining(['returnUrl', 'cancelUrl', 'webhookUrl', 'supportPayCurrency', 'universalUrlAttach', 'passThroughInfo']));
    }
    expect(optional(createOrderV2Schema)).toEqual(expect.arrayContaining(['appId', 'goods.goodsQuantity', 'merchant.subMerchantId']));
    const r = await send('/binancepay/openapi/v3/order', v3OrderBody({ description: '' }));
    expect(r.envelope).toMatchObject({ code: '400100' });
    expect(failureText(r.envelope)).toContain('description');
  });

  it('a Go-style body (dmitrorezn/go-binancepay: every optional string "") creates, queries and closes an order', async () => {
    const merchantTradeNo = tradeNo();
    // CreateOrderV2Request as encoding/json writes it: struct order, decimal.Decimal as a string, no omitempty on these
    const raw =
      `{"merchant":{"subMerchantId":""},"env":{"terminalType":"WEB"},"merchantTradeNo":"${merchantTradeNo}","orderAmount":"10.5","currency":"USDT",` +
      `"goods":{"goodsType":"01","goodsCategory":"D000","referenceGoodsId":"sku-1","goodsName":"Ice Cream","goodsQuantity":""},` +
      `"returnUrl":"","cancelUrl":"","supportPayCurrency":"","universalUrlAttach":""}`;
    const created = await server.client(m).request<{ prepayId: string }>('/binancepay/openapi/v2/order', undefined, { rawBody: raw });
    expect(created.envelope, created.rawText).toMatchObject({ status: 'SUCCESS', code: '000000' });
    const prepayId = created.envelope?.data?.prepayId ?? '';
    // QueryOrderRequest and CloseOrderRequest use omitempty; a client without it sends the other id empty
    for (const body of [{ prepayId }, { prepayId, merchantTradeNo: '' }, { prepayId: '', merchantTradeNo }]) {
      const q = await send('/binancepay/openapi/v2/order/query', body);
      expect(q.envelope, q.rawText).toMatchObject({ status: 'SUCCESS', data: { prepayId, merchantTradeNo, status: 'INITIAL', orderAmount: '10.50000000' } });
    }
    const closed = await send('/binancepay/openapi/order/close', { prepayId, merchantTradeNo: '' });
    expect(closed.rawText).toBe('{"status":"SUCCESS","code":"000000","data":true,"errorMessage":""}');
    expect((await send('/binancepay/openapi/v2/order/query', { merchantTradeNo, prepayId: '' })).envelope?.data).toMatchObject({ status: 'CANCELED' });

    // the v3 body from Binance's forum and the FAQ's v1 body end with empty URLs too
    const v3 = await send('/binancepay/openapi/v3/order', v3OrderBody({ returnUrl: '', cancelUrl: '' }));
    expect(v3.envelope, v3.rawText).toMatchObject({ status: 'SUCCESS' });
    const v1 = await send('/binancepay/openapi/order', { merchantTradeNo: tradeNo(), totalFee: 25.17, productDetail: 'Greentea ice cream cone', currency: 'USDT', returnUrl: '', tradeType: 'APP', productType: 'Food', productName: 'Ice Cream' });
    expect(v1.envelope, v1.rawText).toMatchObject({ status: 'SUCCESS' });
  });
});
