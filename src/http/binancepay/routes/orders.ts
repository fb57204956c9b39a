/**
 * Create (v3, v2, v1), query (v2, v1) and close order. `/v3/order/create` is the seed spec's path
 * for the same operation; it takes v3 bodies, and also the v1-style body the seed spec describes.
 */
import { closeOrder, createOrder, orderUrls, queryOrder, queryPayerDetail } from '../../../services/orders.ts';
import type { BinanceContext, BinanceRouter } from '../plugin.ts';
import { parseBody } from '../validation.ts';
import {
  closeOrderSchema,
  createOrderResult,
  createOrderSeedSchema,
  createOrderV1Schema,
  createOrderV2Schema,
  createOrderV3Schema,
  fromV1,
  fromV2V3,
  queryOrderSchema,
  queryOrderV1Result,
  queryOrderV2Result,
} from '../wire/orders.ts';

async function createV3({ deps, merchant, body, apiKey }: BinanceContext) {
  const order = await createOrder(deps, merchant, { ...fromV2V3(parseBody(createOrderV3Schema, body), 3), apiKey });
  return createOrderResult(order, orderUrls(deps, order), 3);
}

/** Fields only a v3 body has: any of them present means the body is read as v3. */
const V3_ONLY_FIELDS = ['env', 'orderAmount', 'fiatAmount', 'fiatCurrency', 'description', 'goodsDetails', 'merchant'];

/**
 * The seed spec documents v1 field names on this path (merchantTradeNo, totalFee, currency required;
 * tradeType and product fields optional). A body with any v3-only field is a v3 body; anything else
 * is read as the seed's v1-style body, so its errors name the seed's fields (totalFee, not env).
 */
async function createSeedPath(ctx: BinanceContext) {
  if (V3_ONLY_FIELDS.some((f) => f in ctx.body)) return createV3(ctx);
  const order = await createOrder(ctx.deps, ctx.merchant, { ...fromV1(parseBody(createOrderSeedSchema, ctx.body)), apiKey: ctx.apiKey });
  return createOrderResult(order, orderUrls(ctx.deps, order), 3);
}

export function orderRoutes(router: BinanceRouter): void {
  router.post('/v3/order', createV3);
  router.post('/v3/order/create', createSeedPath);

  router.post('/v2/order', async ({ deps, merchant, body, apiKey }) => {
    const order = await createOrder(deps, merchant, { ...fromV2V3(parseBody(createOrderV2Schema, body), 2), apiKey });
    return createOrderResult(order, orderUrls(deps, order), 2);
  });

  router.post('/order', async ({ deps, merchant, body, apiKey }) => {
    const order = await createOrder(deps, merchant, { ...fromV1(parseBody(createOrderV1Schema, body)), apiKey });
    return createOrderResult(order, orderUrls(deps, order), 1);
  });

  router.post('/v2/order/query', async ({ deps, merchant, body }) => {
    const order = await queryOrder(deps, merchant, parseBody(queryOrderSchema, body));
    return queryOrderV2Result(order, await queryPayerDetail(deps, merchant, order));
  });

  router.post('/order/query', async ({ deps, merchant, body }) => queryOrderV1Result(await queryOrder(deps, merchant, parseBody(queryOrderSchema, body))));

  router.post('/order/close', async ({ deps, merchant, body }) => {
    await closeOrder(deps, merchant, parseBody(closeOrderSchema, body));
    // fact sheet §3.4: true = close accepted; PAY_CLOSED follows as a webhook
    return true;
  });
}
