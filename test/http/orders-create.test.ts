/**
 * Create order v3, v2, v1 and the seed path `/v3/order/create`, on both dialects, through real
 * HTTP: every field rule with its Binance code (fact sheet §3.1, §3.2, §6, §7.1–7.3), exact amounts,
 * idempotency of merchantTradeNo (§7.7) and the response shapes.
 */
import type { RawResponse } from '@binance-pay-server/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { tradeNo, v1OrderBody, v2OrderBody, v3OrderBody } from '../helpers/endpoints.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';
import { expectNamed } from '../helpers/envelope.ts';

const V3 = '/binancepay/openapi/v3/order';
const SEED = '/binancepay/openapi/v3/order/create';
const V2 = '/binancepay/openapi/v2/order';
const V1 = '/binancepay/openapi/order';
const QUERY = '/binancepay/openapi/v2/order/query';
const QUERY_V1 = '/binancepay/openapi/order/query';

const HOUR = 3_600_000;
const TWO_POW_53 = 2n ** 53n;

/** Deletes the field instead of setting it. */
const ABSENT = Symbol('absent');

/** A JSON number literal written into the body text exactly (JSON.stringify would round it). */
class Raw {
  constructor(readonly literal: string) {}
}
const raw = (literal: string) => new Raw(literal);

type Patch = Record<string, unknown>;

/** Sets (or deletes) a dotted path such as `goodsDetails[0].goodsName` in a deep copy. */
function patched(body: Record<string, unknown>, patch: Patch): Record<string, unknown> {
  const copy = structuredCloneWithRaw(body) as Record<string, unknown>;
  for (const [path, value] of Object.entries(patch)) {
    const keys = path.split('.').flatMap((part) => {
      const m = /^([^[]+)((?:\[\d+\])*)$/.exec(part);
      if (!m) throw new Error(`bad path ${path}`);
      return [m[1] as string, ...[...(m[2] ?? '').matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]))];
    });
    let target = copy as Record<string | number, unknown>;
    for (const key of keys.slice(0, -1)) {
      const next = target[key];
      if (next === null || typeof next !== 'object') target[key] = {};
      target = target[key] as Record<string | number, unknown>;
    }
    const last = keys[keys.length - 1] as string | number;
    if (value === ABSENT) delete target[last];
    else target[last] = value;
  }
  return copy;
}

function structuredCloneWithRaw(value: unknown): unknown {
  if (value instanceof Raw) return value;
  if (Array.isArray(value)) return value.map(structuredCloneWithRaw);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, structuredCloneWithRaw(v)]));
  return value;
}

/** JSON text with Raw values as bare literals. */
function bodyText(body: unknown): string {
  const literals: string[] = [];
  const text = JSON.stringify(body, (_k, v: unknown) => {
    if (v instanceof Raw) {
      literals.push(v.literal);
      return `@@RAW${literals.length - 1}@@`;
    }
    return v;
  });
  return text.replace(/"@@RAW(\d+)@@"/g, (_m, i: string) => literals[Number(i)] as string);
}

interface Rule {
  name: string;
  /** field path → value (ABSENT deletes); a function for values that depend on the time */
  set: Patch | (() => Patch);
  code: string;
  /** text errorMessage must contain (the field's name) */
  field: string;
}

const x = (n: number) => 'x'.repeat(n);
const url = (n: number) => 'https://example.com/' + 'a'.repeat(n - 'https://example.com/'.length);

/** merchantTradeNo rules: every create path shares them (fact sheet §7.1). */
function tradeNoRules(): Rule[] {
  return [
    { name: 'merchantTradeNo missing', set: { merchantTradeNo: ABSENT }, code: '400100', field: 'merchantTradeNo' },
    { name: 'merchantTradeNo empty', set: { merchantTradeNo: '' }, code: '400100', field: 'merchantTradeNo' },
    { name: 'merchantTradeNo null', set: { merchantTradeNo: null }, code: '400100', field: 'merchantTradeNo' },
    { name: 'merchantTradeNo 33 chars', set: { merchantTradeNo: 'A'.repeat(33) }, code: '400101', field: 'merchantTradeNo' },
    { name: 'merchantTradeNo with a dash', set: { merchantTradeNo: 'abc-123' }, code: '400103', field: 'merchantTradeNo' },
    { name: 'merchantTradeNo with an underscore', set: { merchantTradeNo: 'abc_123' }, code: '400103', field: 'merchantTradeNo' },
    { name: 'merchantTradeNo with a space', set: { merchantTradeNo: 'abc 123' }, code: '400103', field: 'merchantTradeNo' },
    { name: 'merchantTradeNo with a non-ASCII letter', set: { merchantTradeNo: 'abcñ' }, code: '400103', field: 'merchantTradeNo' },
    { name: 'merchantTradeNo as a number', set: { merchantTradeNo: 12345 }, code: '400008', field: 'merchantTradeNo' },
  ];
}

/** Rules v2 and v3 share (fact sheet §3.2); `g` is the path of one goods item. */
function commonRules(g: string): Rule[] {
  return [
    ...tradeNoRules(),
    // env
    { name: 'env missing', set: { env: ABSENT }, code: '400100', field: 'env' },
    { name: 'env null', set: { env: null }, code: '400100', field: 'env' },
    { name: 'env as a string', set: { env: 'WEB' }, code: '400008', field: 'env' },
    { name: 'env as a list', set: { env: [] }, code: '400008', field: 'env' },
    { name: 'env.terminalType missing', set: { 'env.terminalType': ABSENT }, code: '400100', field: 'env.terminalType' },
    { name: 'env.terminalType null', set: { 'env.terminalType': null }, code: '400100', field: 'env.terminalType' },
    { name: 'env.terminalType empty', set: { 'env.terminalType': '' }, code: '400100', field: 'env.terminalType' },
    { name: 'env.terminalType unknown', set: { 'env.terminalType': 'PC' }, code: '400102', field: 'env.terminalType' },
    { name: 'env.terminalType lower case', set: { 'env.terminalType': 'web' }, code: '400102', field: 'env.terminalType' },
    { name: 'env.terminalType PAYMENT_LINK (v1 only)', set: { 'env.terminalType': 'PAYMENT_LINK' }, code: '400102', field: 'env.terminalType' },
    { name: 'env.terminalType as a number', set: { 'env.terminalType': 1 }, code: '400008', field: 'env.terminalType' },
    { name: 'env.osType unknown', set: { 'env.osType': 'WINDOWS' }, code: '400102', field: 'env.osType' },
    { name: 'MINI_PROGRAM without appId', set: { 'env.terminalType': 'MINI_PROGRAM' }, code: '400100', field: 'appId' },
    { name: 'MINI_PROGRAM with appId null', set: { 'env.terminalType': 'MINI_PROGRAM', appId: null }, code: '400100', field: 'appId' },
    // orderAmount (fact sheet §7.2)
    { name: 'orderAmount with 9 decimals (string)', set: { orderAmount: '0.123456789' }, code: '400102', field: 'orderAmount' },
    { name: 'orderAmount with 9 decimals (number)', set: { orderAmount: raw('0.123456789') }, code: '400102', field: 'orderAmount' },
    { name: 'orderAmount 1e-9', set: { orderAmount: raw('1e-9') }, code: '400102', field: 'orderAmount' },
    { name: 'orderAmount 0', set: { orderAmount: 0 }, code: '400102', field: 'orderAmount' },
    { name: 'orderAmount "0.00000000"', set: { orderAmount: '0.00000000' }, code: '400102', field: 'orderAmount' },
    { name: 'orderAmount negative', set: { orderAmount: -1 }, code: '400102', field: 'orderAmount' },
    { name: 'orderAmount negative string', set: { orderAmount: '-0.5' }, code: '400102', field: 'orderAmount' },
    { name: 'orderAmount beyond int64 units', set: { orderAmount: '92233720368.54775808' }, code: '400102', field: 'orderAmount' },
    { name: 'orderAmount one unit beyond the ledger limit', set: { orderAmount: '90000000000.00000001' }, code: '400102', field: 'orderAmount' },
    { name: 'orderAmount "abc"', set: { orderAmount: 'abc' }, code: '400100', field: 'orderAmount' },
    { name: 'orderAmount "1,5"', set: { orderAmount: '1,5' }, code: '400100', field: 'orderAmount' },
    { name: 'orderAmount empty string', set: { orderAmount: '' }, code: '400100', field: 'orderAmount' },
    { name: 'orderAmount true', set: { orderAmount: true }, code: '400008', field: 'orderAmount' },
    { name: 'orderAmount an object', set: { orderAmount: {} }, code: '400008', field: 'orderAmount' },
    { name: 'orderAmount a list', set: { orderAmount: [1] }, code: '400008', field: 'orderAmount' },
    { name: 'orderAmount missing with currency', set: { orderAmount: ABSENT }, code: '400100', field: 'orderAmount' },
    { name: 'orderAmount null with currency', set: { orderAmount: null }, code: '400100', field: 'orderAmount' },
    // currency
    { name: 'currency lower case', set: { currency: 'usdt' }, code: '400103', field: 'currency' },
    { name: 'currency unknown', set: { currency: 'XYZ' }, code: '400102', field: 'currency' },
    { name: 'currency a fiat', set: { currency: 'EUR' }, code: '400102', field: 'currency' },
    { name: 'currency 11 chars', set: { currency: 'ABCDEFGHIJK' }, code: '400101', field: 'currency' },
    { name: 'currency as a number', set: { currency: 5 }, code: '400008', field: 'currency' },
    { name: 'currency missing and no fiatCurrency', set: { currency: ABSENT }, code: '400100', field: 'currency' },
    { name: 'currency null and no fiatCurrency', set: { currency: null }, code: '400100', field: 'currency' },
    { name: 'currency empty', set: { currency: '' }, code: '400100', field: 'currency' },
    // fiat (fact sheet §3.1)
    { name: 'currency BTC with fiatCurrency', set: { currency: 'BTC', orderAmount: ABSENT, fiatCurrency: 'HKD', fiatAmount: 100 }, code: '400102', field: 'currency' },
    { name: 'fiatCurrency a crypto', set: { currency: ABSENT, orderAmount: ABSENT, fiatCurrency: 'BTC', fiatAmount: 1 }, code: '400102', field: 'fiatCurrency' },
    { name: 'fiatCurrency lower case', set: { currency: ABSENT, orderAmount: ABSENT, fiatCurrency: 'hkd', fiatAmount: 1 }, code: '400103', field: 'fiatCurrency' },
    { name: 'fiatCurrency without fiatAmount', set: { currency: ABSENT, orderAmount: ABSENT, fiatCurrency: 'HKD' }, code: '400100', field: 'fiatAmount' },
    { name: 'fiatAmount with 9 decimals', set: { currency: ABSENT, orderAmount: ABSENT, fiatCurrency: 'HKD', fiatAmount: '1.123456789' }, code: '400102', field: 'fiatAmount' },
    { name: 'fiatAmount 0', set: { currency: ABSENT, orderAmount: ABSENT, fiatCurrency: 'HKD', fiatAmount: 0 }, code: '400102', field: 'fiatAmount' },
    { name: 'fiatAmount true', set: { currency: ABSENT, orderAmount: ABSENT, fiatCurrency: 'HKD', fiatAmount: true }, code: '400008', field: 'fiatAmount' },
    { name: 'fiatAmount converting below 0.00000001 USDT', set: { currency: ABSENT, orderAmount: ABSENT, fiatCurrency: 'HKD', fiatAmount: '0.00000001' }, code: '400102', field: 'fiatAmount' },
    { name: 'fiatAmount without fiatCurrency or currency', set: { currency: ABSENT, orderAmount: ABSENT, fiatAmount: 1 }, code: '400100', field: 'currency' },
    // goods item fields (fact sheet §3.1)
    { name: 'goodsType missing', set: { [`${g}.goodsType`]: ABSENT }, code: '400100', field: `${g}.goodsType` },
    { name: 'goodsType null', set: { [`${g}.goodsType`]: null }, code: '400100', field: `${g}.goodsType` },
    { name: 'goodsType 03', set: { [`${g}.goodsType`]: '03' }, code: '400102', field: `${g}.goodsType` },
    { name: 'goodsType as a number', set: { [`${g}.goodsType`]: 1 }, code: '400008', field: `${g}.goodsType` },
    { name: 'goodsCategory missing', set: { [`${g}.goodsCategory`]: ABSENT }, code: '400100', field: `${g}.goodsCategory` },
    { name: 'goodsCategory G000', set: { [`${g}.goodsCategory`]: 'G000' }, code: '400102', field: `${g}.goodsCategory` },
    { name: 'goodsCategory a000 (lower case)', set: { [`${g}.goodsCategory`]: 'a000' }, code: '400102', field: `${g}.goodsCategory` },
    { name: 'referenceGoodsId missing', set: { [`${g}.referenceGoodsId`]: ABSENT }, code: '400100', field: `${g}.referenceGoodsId` },
    { name: 'referenceGoodsId empty', set: { [`${g}.referenceGoodsId`]: '' }, code: '400100', field: `${g}.referenceGoodsId` },
    { name: 'referenceGoodsId 33 chars', set: { [`${g}.referenceGoodsId`]: x(33) }, code: '400101', field: `${g}.referenceGoodsId` },
    { name: 'goodsName missing', set: { [`${g}.goodsName`]: ABSENT }, code: '400100', field: `${g}.goodsName` },
    { name: 'goodsName empty', set: { [`${g}.goodsName`]: '' }, code: '400100', field: `${g}.goodsName` },
    { name: 'goodsName with a double quote', set: { [`${g}.goodsName`]: 'Ice "Cream"' }, code: '400103', field: `${g}.goodsName` },
    { name: 'goodsName with a backslash', set: { [`${g}.goodsName`]: 'Ice\\Cream' }, code: '400103', field: `${g}.goodsName` },
    { name: 'goodsName with an emoji', set: { [`${g}.goodsName`]: 'Ice 🍦' }, code: '400103', field: `${g}.goodsName` },
    { name: 'goodsName with a flag emoji', set: { [`${g}.goodsName`]: 'Shirt 🇺🇸' }, code: '400103', field: `${g}.goodsName` },
    { name: 'goodsName with a keycap emoji', set: { [`${g}.goodsName`]: 'Combo 1️⃣' }, code: '400103', field: `${g}.goodsName` },
    { name: 'goodsName 257 chars', set: { [`${g}.goodsName`]: x(257) }, code: '400101', field: `${g}.goodsName` },
    { name: 'goodsDetail 257 chars', set: { [`${g}.goodsDetail`]: x(257) }, code: '400101', field: `${g}.goodsDetail` },
    { name: 'goodsUnitAmount.amount with 9 decimals', set: { [`${g}.goodsUnitAmount`]: { currency: 'USDT', amount: '1.123456789' } }, code: '400102', field: `${g}.goodsUnitAmount.amount` },
    { name: 'goodsUnitAmount as a string', set: { [`${g}.goodsUnitAmount`]: '1 USDT' }, code: '400008', field: `${g}.goodsUnitAmount` },
    // orderExpireTime: absolute epoch ms, at most 1 h ahead (fact sheet §3.1, §7.3)
    { name: 'orderExpireTime in the past', set: () => ({ orderExpireTime: Date.now() - 60_000 }), code: '400102', field: 'orderExpireTime' },
    { name: 'orderExpireTime 2 h ahead', set: () => ({ orderExpireTime: Date.now() + 2 * HOUR }), code: '400102', field: 'orderExpireTime' },
    { name: 'orderExpireTime as a duration (30 min in ms)', set: { orderExpireTime: 1_800_000 }, code: '400102', field: 'orderExpireTime' },
    { name: 'orderExpireTime negative', set: { orderExpireTime: -1 }, code: '400102', field: 'orderExpireTime' },
    { name: 'orderExpireTime with decimals', set: () => ({ orderExpireTime: raw(`${Date.now() + 60_000}.5`) }), code: '400102', field: 'orderExpireTime' },
    { name: 'orderExpireTime "abc"', set: { orderExpireTime: 'abc' }, code: '400008', field: 'orderExpireTime' },
    // supportPayCurrency
    { name: 'supportPayCurrency lower case', set: { supportPayCurrency: 'bnb,btc' }, code: '400103', field: 'supportPayCurrency' },
    { name: 'supportPayCurrency with a space', set: { supportPayCurrency: 'BNB, BTC' }, code: '400103', field: 'supportPayCurrency' },
    { name: 'supportPayCurrency with an empty item', set: { supportPayCurrency: 'BNB,,BTC' }, code: '400103', field: 'supportPayCurrency' },
    { name: 'supportPayCurrency with a semicolon', set: { supportPayCurrency: 'BNB;BTC' }, code: '400103', field: 'supportPayCurrency' },
    { name: 'supportPayCurrency unknown currency', set: { supportPayCurrency: 'BNB,XYZ' }, code: '400102', field: 'supportPayCurrency' },
    { name: 'supportPayCurrency 1025 chars', set: { supportPayCurrency: 'BTC,'.repeat(256) + 'B' }, code: '400101', field: 'supportPayCurrency' },
    // URLs and echo fields
    { name: 'webhookUrl ftp', set: { webhookUrl: 'ftp://example.com/hook' }, code: '400102', field: 'webhookUrl' },
    { name: 'webhookUrl without scheme', set: { webhookUrl: 'example.com/hook' }, code: '400102', field: 'webhookUrl' },
    { name: 'webhookUrl javascript:', set: { webhookUrl: 'javascript:alert(1)' }, code: '400102', field: 'webhookUrl' },
    { name: 'webhookUrl 257 chars', set: { webhookUrl: url(257) }, code: '400101', field: 'webhookUrl' },
    { name: 'webhookUrl as a number', set: { webhookUrl: 5 }, code: '400008', field: 'webhookUrl' },
    { name: 'passThroughInfo 513 chars', set: { passThroughInfo: x(513) }, code: '400101', field: 'passThroughInfo' },
    { name: 'universalUrlAttach 121 chars', set: { universalUrlAttach: x(121) }, code: '400101', field: 'universalUrlAttach' },
    { name: 'returnUrl 257 chars', set: { returnUrl: url(257) }, code: '400101', field: 'returnUrl' },
    { name: 'cancelUrl 257 chars', set: { cancelUrl: url(257) }, code: '400101', field: 'cancelUrl' },
    { name: 'appId 65 chars', set: { appId: x(65) }, code: '400101', field: 'appId' },
    // orderTags, merchant, shipping, buyer
    { name: 'orderTags.ifProfitSharing "yes"', set: { orderTags: { ifProfitSharing: 'yes' } }, code: '400008', field: 'orderTags.ifProfitSharing' },
    { name: 'orderTags.ifProfitSharing 1', set: { orderTags: { ifProfitSharing: 1 } }, code: '400008', field: 'orderTags.ifProfitSharing' },
    { name: 'orderTags as a string', set: { orderTags: 'ifProfitSharing' }, code: '400008', field: 'orderTags' },
    { name: 'merchant.subMerchantId with letters', set: { merchant: { subMerchantId: '12ab' } }, code: '400103', field: 'merchant.subMerchantId' },
    { name: 'merchant.subMerchantId 20 digits', set: { merchant: { subMerchantId: '1'.repeat(20) } }, code: '400101', field: 'merchant.subMerchantId' },
    { name: 'merchant as a string', set: { merchant: '123' }, code: '400008', field: 'merchant' },
    { name: 'shipping.shippingAddress.region 3 letters', set: { shipping: { shippingAddress: { region: 'USA' } } }, code: '400101', field: 'shipping.shippingAddress.region' },
    { name: 'shipping.shippingAddress.region missing', set: { shipping: { shippingAddress: { city: 'Paris' } } }, code: '400100', field: 'shipping.shippingAddress.region' },
    { name: 'buyer.buyerRegistrationTime "yesterday"', set: { buyer: { buyerRegistrationTime: 'yesterday' } }, code: '400008', field: 'buyer.buyerRegistrationTime' },
  ];
}

function v3Rules(): Rule[] {
  const item = v3OrderBody().goodsDetails as unknown[];
  return [
    ...commonRules('goodsDetails[0]'),
    { name: 'description missing', set: { description: ABSENT }, code: '400100', field: 'description' },
    { name: 'description null', set: { description: null }, code: '400100', field: 'description' },
    { name: 'description empty', set: { description: '' }, code: '400100', field: 'description' },
    { name: 'description 257 chars', set: { description: x(257) }, code: '400101', field: 'description' },
    { name: 'description as a number', set: { description: 5 }, code: '400008', field: 'description' },
    { name: 'goodsDetails missing', set: { goodsDetails: ABSENT }, code: '400100', field: 'goodsDetails' },
    { name: 'goodsDetails null', set: { goodsDetails: null }, code: '400100', field: 'goodsDetails' },
    { name: 'goodsDetails empty list', set: { goodsDetails: [] }, code: '400100', field: 'goodsDetails' },
    { name: 'goodsDetails an object', set: { goodsDetails: item[0] }, code: '400008', field: 'goodsDetails' },
    { name: 'goodsDetails a string', set: { goodsDetails: 'Ice Cream' }, code: '400008', field: 'goodsDetails' },
    { name: 'goodsDetails 101 items', set: { goodsDetails: Array.from({ length: 101 }, () => item[0]) }, code: '400101', field: 'goodsDetails' },
    { name: 'goodsDetails item null', set: { goodsDetails: [null] }, code: '400008', field: 'goodsDetails[0]' },
    { name: 'goodsDetails second item without goodsName', set: { goodsDetails: [item[0], { goodsType: '02', goodsCategory: 'Z000', referenceGoodsId: 'S2' }] }, code: '400100', field: 'goodsDetails[1].goodsName' },
  ];
}

function v2Rules(): Rule[] {
  const goods = v2OrderBody().goods;
  return [
    ...commonRules('goods'),
    // fact sheet §8.4: a list where v2 expects one goods object is a shape error
    { name: 'goods as a list', set: { goods: [goods] }, code: '400008', field: 'goods' },
    { name: 'goods missing', set: { goods: ABSENT }, code: '400100', field: 'goods' },
    { name: 'goods null', set: { goods: null }, code: '400100', field: 'goods' },
    { name: 'goods a string', set: { goods: 'Game credits' }, code: '400008', field: 'goods' },
    { name: 'description 257 chars', set: { description: x(257) }, code: '400101', field: 'description' },
  ];
}

/** v1 (fact sheet §3.2): flat fields, totalFee 0.01–20000, tradeType with PAYMENT_LINK. */
function v1Rules(): Rule[] {
  return [
    ...tradeNoRules(),
    { name: 'tradeType missing', set: { tradeType: ABSENT }, code: '400100', field: 'tradeType' },
    { name: 'tradeType unknown', set: { tradeType: 'PC' }, code: '400102', field: 'tradeType' },
    { name: 'totalFee missing', set: { totalFee: ABSENT }, code: '400100', field: 'totalFee' },
    { name: 'totalFee null', set: { totalFee: null }, code: '400100', field: 'totalFee' },
    { name: 'totalFee below 0.01', set: { totalFee: raw('0.00999999') }, code: '400102', field: 'totalFee' },
    { name: 'totalFee 0', set: { totalFee: 0 }, code: '400102', field: 'totalFee' },
    { name: 'totalFee above 20000', set: { totalFee: '20000.00000001' }, code: '400102', field: 'totalFee' },
    { name: 'totalFee with 9 decimals', set: { totalFee: '1.123456789' }, code: '400102', field: 'totalFee' },
    { name: 'totalFee "abc"', set: { totalFee: 'abc' }, code: '400100', field: 'totalFee' },
    { name: 'totalFee true', set: { totalFee: true }, code: '400008', field: 'totalFee' },
    { name: 'currency missing', set: { currency: ABSENT }, code: '400100', field: 'currency' },
    { name: 'currency lower case', set: { currency: 'usdt' }, code: '400103', field: 'currency' },
    { name: 'currency unknown', set: { currency: 'XYZ' }, code: '400102', field: 'currency' },
    { name: 'productType missing', set: { productType: ABSENT }, code: '400100', field: 'productType' },
    { name: 'productType 17 chars', set: { productType: x(17) }, code: '400101', field: 'productType' },
    { name: 'productName missing', set: { productName: ABSENT }, code: '400100', field: 'productName' },
    { name: 'productName 257 chars', set: { productName: x(257) }, code: '400101', field: 'productName' },
    { name: 'productDetail 257 chars', set: { productDetail: x(257) }, code: '400101', field: 'productDetail' },
    { name: 'subMerchantId with letters', set: { subMerchantId: 'abc' }, code: '400103', field: 'subMerchantId' },
    { name: 'subMerchantId 20 digits', set: { subMerchantId: '1'.repeat(20) }, code: '400101', field: 'subMerchantId' },
    { name: 'orderExpireTime in the past', set: () => ({ orderExpireTime: Date.now() - 60_000 }), code: '400102', field: 'orderExpireTime' },
    { name: 'orderExpireTime 2 h ahead', set: () => ({ orderExpireTime: Date.now() + 2 * HOUR }), code: '400102', field: 'orderExpireTime' },
    { name: 'supportPayCurrency lower case', set: { supportPayCurrency: 'bnb' }, code: '400103', field: 'supportPayCurrency' },
    { name: 'webhookUrl ftp', set: { webhookUrl: 'ftp://example.com/hook' }, code: '400102', field: 'webhookUrl' },
    { name: 'webhookUrl 257 chars', set: { webhookUrl: url(257) }, code: '400101', field: 'webhookUrl' },
    { name: 'passThroughInfo 513 chars', set: { passThroughInfo: x(513) }, code: '400101', field: 'passThroughInfo' },
    { name: 'universalUrlAttach 121 chars', set: { universalUrlAttach: x(121) }, code: '400101', field: 'universalUrlAttach' },
    { name: 'returnUrl 257 chars', set: { returnUrl: url(257) }, code: '400101', field: 'returnUrl' },
    { name: 'cancelUrl 257 chars', set: { cancelUrl: url(257) }, code: '400101', field: 'cancelUrl' },
  ];
}

/** The v1-style body of the seed spec: merchantTradeNo, totalFee and currency required. */
function seedBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { merchantTradeNo: tradeNo(), totalFee: '10.5', currency: 'USDT', ...overrides };
}

function seedRules(): Rule[] {
  return [
    ...tradeNoRules(),
    { name: 'totalFee missing', set: { totalFee: ABSENT }, code: '400100', field: 'totalFee' },
    { name: 'totalFee null', set: { totalFee: null }, code: '400100', field: 'totalFee' },
    { name: 'totalFee 0', set: { totalFee: '0' }, code: '400102', field: 'totalFee' },
    { name: 'totalFee negative', set: { totalFee: '-1' }, code: '400102', field: 'totalFee' },
    { name: 'totalFee with 9 decimals', set: { totalFee: '0.000000001' }, code: '400102', field: 'totalFee' },
    { name: 'totalFee "abc"', set: { totalFee: 'abc' }, code: '400100', field: 'totalFee' },
    { name: 'totalFee true', set: { totalFee: true }, code: '400008', field: 'totalFee' },
    { name: 'currency missing', set: { currency: ABSENT }, code: '400100', field: 'currency' },
    { name: 'currency unknown', set: { currency: 'XYZ' }, code: '400102', field: 'currency' },
    { name: 'tradeType outside the seed enum', set: { tradeType: 'PAYMENT_LINK' }, code: '400102', field: 'tradeType' },
    { name: 'productType 17 chars', set: { productType: x(17) }, code: '400101', field: 'productType' },
    { name: 'productName 257 chars', set: { productName: x(257) }, code: '400101', field: 'productName' },
    { name: 'orderExpireTime in the past', set: () => ({ orderExpireTime: Date.now() - 60_000 }), code: '400102', field: 'orderExpireTime' },
    { name: 'webhookUrl ftp', set: { webhookUrl: 'ftp://example.com/hook' }, code: '400102', field: 'webhookUrl' },
    { name: 'returnUrl 257 chars', set: { returnUrl: url(257) }, code: '400101', field: 'returnUrl' },
    { name: 'cancelUrl 257 chars', set: { cancelUrl: url(257) }, code: '400101', field: 'cancelUrl' },
  ];
}

const V3_KEYS = ['currency', 'totalFee', 'prepayId', 'terminalType', 'expireTime', 'qrcodeLink', 'qrContent', 'checkoutUrl', 'deeplink', 'universalUrl'];
const V2_KEYS = ['prepayId', 'terminalType', 'expireTime', 'qrcodeLink', 'qrContent', 'checkoutUrl', 'deeplink', 'universalUrl'];

interface CreateData {
  currency?: string;
  totalFee?: string;
  prepayId: string;
  terminalType: string;
  expireTime: number;
  qrcodeLink: string;
  qrContent: string;
  checkoutUrl: string;
  deeplink: string;
  universalUrl: string;
  fiatCurrency?: string;
  fiatAmount?: string;
}

interface QueryData {
  merchantId: number;
  prepayId: string;
  merchantTradeNo: string;
  status: string;
  currency: string;
  orderAmount: string;
  createTime: number;
  [k: string]: unknown;
}

describeEachDialect('create order v3, v2, v1 and /v3/order/create', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;
  let other: MerchantCredentials;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: 'Create Shop' });
    other = await server.createMerchant({ name: 'Other Shop' });
  });
  afterAll(async () => server?.close());

  const send = <T = CreateData>(path: string, body: unknown, creds: MerchantCredentials = merchant): Promise<RawResponse<T>> =>
    server.client(creds).request<T>(path, undefined, { rawBody: bodyText(body) });

  const ok = async <T = CreateData>(path: string, body: unknown, creds: MerchantCredentials = merchant): Promise<{ data: T; rawText: string }> => {
    const r = await send<T>(path, body, creds);
    expect(r.envelope, r.rawText).toMatchObject({ status: 'SUCCESS', code: '000000' });
    expect(r.httpStatus).toBe(200);
    return { data: r.envelope?.data as T, rawText: r.rawText };
  };

  const query = async (prepayId: string, path = QUERY): Promise<{ data: QueryData; rawText: string }> => ok<QueryData>(path, { prepayId });

  const expectFail = (r: RawResponse, code: string, field: string) => {
    expect(r.envelope, r.rawText).toMatchObject({ status: 'FAIL', code });
    expect(r.httpStatus, r.rawText).toBe(400);
    expectNamed(r.envelope, field, r.rawText);
    expect(r.envelope).not.toHaveProperty('data');
  };

  const ruleTable = (path: string, base: () => Record<string, unknown>, rules: Rule[]) => {
    for (const rule of rules) {
      it(`${rule.name} → ${rule.code}`, async () => {
        const patch = typeof rule.set === 'function' ? rule.set() : rule.set;
        expectFail(await send(path, patched(base(), patch)), rule.code, rule.field);
      });
    }
  };

  describe(`field rules of ${V3}`, () => ruleTable(V3, () => v3OrderBody(), v3Rules()));
  describe(`field rules of ${SEED} with a v3 body`, () => ruleTable(SEED, () => v3OrderBody(), v3Rules()));
  describe(`field rules of ${V2}`, () => ruleTable(V2, () => v2OrderBody(), v2Rules()));
  describe(`field rules of ${V1}`, () => ruleTable(V1, () => v1OrderBody(), v1Rules()));
  describe(`field rules of ${SEED} with the seed spec's v1-style body`, () => ruleTable(SEED, () => seedBody(), seedRules()));

  describe('accepted edges', () => {
    const cases: Array<{ name: string; paths: Array<[string, () => Record<string, unknown>]>; set: Patch | (() => Patch) }> = [
      {
        name: 'length limits exactly at the maximum',
        paths: [
          [V3, () => v3OrderBody()],
          [V2, () => v2OrderBody()],
        ],
        set: () => ({ merchantTradeNo: tradeNo().padEnd(32, 'A').slice(0, 32), passThroughInfo: x(512), universalUrlAttach: x(120), returnUrl: url(256), cancelUrl: url(256), webhookUrl: url(256), description: x(256) }),
      },
      { name: 'goodsDetails with 100 items', paths: [[V3, () => v3OrderBody()]], set: { goodsDetails: Array.from({ length: 100 }, (_v, i) => ({ goodsType: '01', goodsCategory: 'Z000', referenceGoodsId: `S${i}`, goodsName: x(256) })) } },
      { name: 'every goods category and type', paths: [[V3, () => v3OrderBody()]], set: { goodsDetails: ['0000', '1000', '2000', '3000', '4000', '5000', '6000', '7000', '8000', '9000', 'A000', 'B000', 'C000', 'D000', 'E000', 'F000', 'Z000'].map((c, i) => ({ goodsType: i % 2 ? '02' : '01', goodsCategory: c, referenceGoodsId: x(32), goodsName: `Item ${i} (café, ½ price) <b>` })) } },
      { name: 'MINI_PROGRAM with appId', paths: [[V3, () => v3OrderBody()], [V2, () => v2OrderBody()]], set: { 'env.terminalType': 'MINI_PROGRAM', appId: 'wx1234567890' } },
      { name: 'every other terminalType and osType', paths: [[V3, () => v3OrderBody()]], set: { 'env.terminalType': 'OTHERS', 'env.osType': 'ANDROID', 'env.orderClientIp': '10.0.0.1', 'env.cookieId': 'c1' } },
      { name: 'merchantTradeNo of digits only', paths: [[V3, () => v3OrderBody()], [V1, () => v1OrderBody()]], set: () => ({ merchantTradeNo: String(BigInt('0x' + tradeNo().slice(1))).slice(0, 32) }) },
      { name: 'supportPayCurrency list', paths: [[V3, () => v3OrderBody()], [V1, () => v1OrderBody()]], set: { supportPayCurrency: 'BNB,BTC,USDT' } },
      { name: 'orderTags.ifProfitSharing true', paths: [[V3, () => v3OrderBody()]], set: { orderTags: { ifProfitSharing: true } } },
      {
        name: 'full shipping and buyer objects',
        paths: [[V3, () => v3OrderBody()]],
        set: {
          shipping: { shippingName: { firstName: 'Ada', lastName: 'Lovelace' }, shippingAddress: { region: 'GB', city: 'London', address: '1 Way', zipCode: 'N1', shippingAddressType: '02' }, shippingPhoneNo: '+44123' },
          buyer: { referenceBuyerId: 'b1', buyerName: { firstName: 'Ada', middleName: 'K', lastName: 'Lovelace' }, buyerEmail: 'ada@example.com', buyerRegistrationTime: 1_700_000_000_000, buyerBrowserLanguage: 'en-GB' },
        },
      },
      {
        name: 'unknown extra fields, which are ignored',
        paths: [
          [V3, () => v3OrderBody()],
          [V2, () => v2OrderBody()],
          [V1, () => v1OrderBody()],
          [SEED, () => seedBody()],
          [SEED, () => v3OrderBody()],
        ],
        set: { unknownField: 'x', nested: { deep: [1, 2, { a: null }] }, bigNumber: raw('123456789012345678901234567890') },
      },
      { name: 'unknown fields inside env and goods', paths: [[V3, () => v3OrderBody()]], set: { 'env.extraEnv': 'y', 'goodsDetails[0].colour': 'green' } },
    ];
    for (const c of cases) {
      for (const [path, base] of c.paths) {
        it(`${path}: ${c.name}`, async () => {
          await ok(path, patched(base(), typeof c.set === 'function' ? c.set() : c.set));
        });
      }
    }

    it('null counts as absent for every optional field (v3, v2, seed)', async () => {
      const nulls = {
        merchant: null,
        'env.osType': null,
        'env.orderClientIp': null,
        'env.cookieId': null,
        fiatAmount: null,
        fiatCurrency: null,
        shipping: null,
        buyer: null,
        returnUrl: null,
        cancelUrl: null,
        orderExpireTime: null,
        supportPayCurrency: null,
        appId: null,
        universalUrlAttach: null,
        passThroughInfo: null,
        webhookUrl: null,
        orderTags: null,
        directDebitContract: null,
        voucherCode: null,
        qrCodeReferId: null,
      };
      const nestedNulls = { merchant: { subMerchantId: null }, orderTags: { ifProfitSharing: null } };
      const v3 = await ok(V3, patched(patched(v3OrderBody(), nulls), { ...nestedNulls, 'goodsDetails[0].goodsDetail': null, 'goodsDetails[0].goodsUnitAmount': null, 'goodsDetails[0].goodsQuantity': null }));
      await ok(V3, patched(v3OrderBody(), nulls));
      await ok(SEED, patched(v3OrderBody(), nulls));
      await ok(V2, patched(patched(v2OrderBody(), nulls), { description: null, 'goods.goodsDetail': null }));
      // v2 has description optional: null is absent there
      expect(v3.data.expireTime).toBeTypeOf('number');
      const q = await query(v3.data.prepayId);
      expect(q.data).not.toHaveProperty('passThroughInfo');
    });

    it('null counts as absent for every optional v1 field', async () => {
      const nulls = { subMerchantId: null, merchantId: null, productDetail: null, returnUrl: null, cancelUrl: null, orderExpireTime: null, supportPayCurrency: null, universalUrlAttach: null, passThroughInfo: null, webhookUrl: null };
      await ok(V1, patched(v1OrderBody(), nulls));
      await ok(SEED, patched(seedBody(), { ...nulls, tradeType: null, productType: null, productName: null }));
    });

    it('v1 totalFee accepts exactly 0.01 and 20000, and tradeType PAYMENT_LINK', async () => {
      const low = await ok(V1, v1OrderBody({ totalFee: raw('0.01') }));
      expect((await query(low.data.prepayId)).data.orderAmount).toBe('0.01000000');
      const high = await ok(V1, v1OrderBody({ totalFee: '20000' }));
      expect((await query(high.data.prepayId)).data.orderAmount).toBe('20000.00000000');
      const link = await ok(V1, v1OrderBody({ tradeType: 'PAYMENT_LINK' }));
      expect(link.data.terminalType).toBe('PAYMENT_LINK');
      expect((await query(link.data.prepayId, QUERY_V1)).data.tradeType).toBe('PAYMENT_LINK');
    });

    describe('merchant.subMerchantId (fact sheet §3.1, §7.1: digits, ≤19)', () => {
      /** A sub-merchant of `partner`, created through the API (fact sheet §3.13). */
      const addSub = async (partner: MerchantCredentials, name: string): Promise<string> => {
        const r = await server.client(partner).request<{ subMerchantId: string }>('/binancepay/openapi/submerchant/add', undefined, {
          rawBody: JSON.stringify({ merchantName: name, storeType: 0, merchantMcc: '5999', siteUrl: 'https://sub.example' }),
        });
        expect(r.envelope, r.rawText).toMatchObject({ status: 'SUCCESS' });
        const id = /"subMerchantId":(\d+)/.exec(r.rawText)?.[1];
        expect(id).toMatch(/^\d{1,19}$/);
        return id as string;
      };

      it('a sub-merchant id is accepted (string or JSON number) and stored', async () => {
        const sub = await addSub(merchant, `Sub ${tradeNo()}`);
        for (const id of [sub, raw(sub)]) {
          const created = await ok(V3, v3OrderBody({ merchant: { subMerchantId: id } }));
          const q = await query(created.data.prepayId, QUERY_V1);
          // query v1 writes subMerchantId as a long (a bare JSON number)
          expect(q.rawText).toContain(`"subMerchantId":${sub},`);
        }
        const v1 = await ok(V1, v1OrderBody({ subMerchantId: sub }));
        expect((await query(v1.data.prepayId, QUERY_V1)).rawText).toContain(`"subMerchantId":${sub},`);
        const v2 = await ok(V2, v2OrderBody({ merchant: { subMerchantId: sub } }));
        expect((await query(v2.data.prepayId, QUERY_V1)).rawText).toContain(`"subMerchantId":${sub},`);
      });

      it('19 digits pass the field rule; an unknown or another partner’s sub-merchant is 400206', async () => {
        expectFail(await send(V3, v3OrderBody({ merchant: { subMerchantId: '1234567890123456789' } })), '400206', '1234567890123456789');
        const theirs = await addSub(other, `Sub ${tradeNo()}`);
        expectFail(await send(V3, v3OrderBody({ merchant: { subMerchantId: theirs } })), '400206', theirs);
        expectFail(await send(V1, v1OrderBody({ subMerchantId: theirs })), '400206', theirs);
      });
    });
  });

  describe('the seed spec body on /v3/order/create', () => {
    it('needs only merchantTradeNo, totalFee and currency and answers the v3 shape', async () => {
      const body = seedBody({ totalFee: '10.50' });
      const { data } = await ok(SEED, body);
      expect(Object.keys(data)).toEqual(V3_KEYS);
      expect(data).toMatchObject({ currency: 'USDT', totalFee: '10.5', terminalType: 'WEB' });
      const q = await query(data.prepayId);
      expect(q.data).toMatchObject({ merchantTradeNo: body.merchantTradeNo, currency: 'USDT', orderAmount: '10.50000000', status: 'INITIAL' });
    });

    it('takes every field the seed spec lists', async () => {
      const expireAt = Date.now() + 20 * 60_000;
      const body = seedBody({
        totalFee: raw('0.00000001'),
        currency: 'BTC',
        productType: 'Food',
        productName: 'Ice Cream',
        productDetail: 'Greentea',
        tradeType: 'APP',
        orderExpireTime: expireAt,
        returnUrl: 'https://shop.example/ok',
        cancelUrl: 'https://shop.example/cancel',
        webhookUrl: 'https://shop.example/hook',
      });
      const { data } = await ok(SEED, body);
      expect(data).toMatchObject({ currency: 'BTC', totalFee: '0.00000001', terminalType: 'APP', expireTime: expireAt });
      const q = await query(data.prepayId, QUERY_V1);
      expect(q.data).toMatchObject({ tradeType: 'APP', totalFee: '0.00000001', productName: 'Ice Cream', productDetail: 'Greentea' });
    });

    it('follows v3 amount rules, not v1 (no 20000 cap, from 0.00000001)', async () => {
      const { data } = await ok(SEED, seedBody({ totalFee: '25000' }));
      expect(data.totalFee).toBe('25000');
    });
  });

  describe('exact amounts (fact sheet §7.2)', () => {
    const cases: Array<[string, Raw | string, string, string]> = [
      ['number 0.00000001', raw('0.00000001'), '0.00000001', '0.00000001'],
      ['number 12345678.87654321', raw('12345678.87654321'), '12345678.87654321', '12345678.87654321'],
      ['number 1e-8', raw('1e-8'), '0.00000001', '0.00000001'],
      ['number 2.5E+1', raw('2.5E+1'), '25.00000000', '25'],
      ['number 10.50', raw('10.50'), '10.50000000', '10.5'],
      ['string "10.50000000"', '10.50000000', '10.50000000', '10.5'],
      ['string "0.1"', '0.1', '0.10000000', '0.1'],
      ['string "90000000000" (the ledger limit)', '90000000000', '90000000000.00000000', '90000000000'],
      ['number 100', raw('100'), '100.00000000', '100'],
    ];
    for (const [name, value, orderAmount, totalFee] of cases) {
      it(`${name} → orderAmount ${orderAmount}, v3 totalFee "${totalFee}"`, async () => {
        const created = await ok(V3, v3OrderBody({ orderAmount: value }));
        expect(created.data.totalFee).toBe(totalFee);
        expect(created.rawText).toContain(`"totalFee":"${totalFee}"`);
        const q = await query(created.data.prepayId);
        expect(q.data.orderAmount).toBe(orderAmount);
        expect(q.rawText).toContain(`"orderAmount":"${orderAmount}"`);
      });
    }

    it('v2 and v1 amounts are exact too', async () => {
      const v2 = await ok(V2, v2OrderBody({ orderAmount: raw('12345678.87654321') }));
      expect((await query(v2.data.prepayId)).data.orderAmount).toBe('12345678.87654321');
      const v1 = await ok(V1, v1OrderBody({ totalFee: raw('19999.99999999') }));
      const q1 = await query(v1.data.prepayId, QUERY_V1);
      expect(q1.data.totalFee).toBe('19999.99999999');
    });

    it('property: random amounts with 0–8 decimals round-trip exactly, as number and as string', async () => {
      await fc.assert(
        fc.asyncProperty(fc.bigInt({ min: 1n, max: 10n ** 15n }), fc.integer({ min: 0, max: 8 }), fc.boolean(), async (units, decimals, asString) => {
          // `units` of 10^-8, cut to what `decimals` decimals can write, written with exactly that many
          const step = 10n ** BigInt(8 - decimals);
          const value = units - (units % step) || step;
          const digits = (value / step).toString().padStart(decimals + 1, '0');
          const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
          const padded = value.toString().padStart(9, '0');
          const expected = `${padded.slice(0, -8)}.${padded.slice(-8)}`;
          const created = await ok(V3, v3OrderBody({ orderAmount: asString ? text : raw(text) }));
          const q = await query(created.data.prepayId);
          expect(q.data.orderAmount).toBe(expected);
          expect(created.data.totalFee).toBe(expected.replace(/\.?0+$/, ''));
        }),
        { numRuns: 40 },
      );
    });
  });

  describe('fiat orders (fact sheet §3.1)', () => {
    it('HKD converts to USDT at the configured rate, exactly', async () => {
      const rate = server.config.rates.HKD;
      expect(rate).toBe('0.128');
      const { data } = await ok(V3, v3OrderBody({ currency: ABSENT, orderAmount: ABSENT, fiatCurrency: 'HKD', fiatAmount: raw('7.77') }));
      expect(Object.keys(data)).toEqual([...V3_KEYS, 'fiatCurrency', 'fiatAmount']);
      // 7.77 HKD × 0.128 USDT/HKD = 0.99456 USDT
      expect(data).toMatchObject({ currency: 'USDT', totalFee: '0.99456', fiatCurrency: 'HKD', fiatAmount: '7.77' });
      const q = await query(data.prepayId);
      expect(q.data).toMatchObject({ currency: 'USDT', orderAmount: '0.99456000' });
    });

    it('currency USDT may accompany fiatCurrency; null currency counts as absent', async () => {
      const a = await ok(V3, v3OrderBody({ currency: 'USDT', orderAmount: ABSENT, fiatCurrency: 'HKD', fiatAmount: '100' }));
      expect(a.data).toMatchObject({ currency: 'USDT', totalFee: '12.8', fiatCurrency: 'HKD', fiatAmount: '100' });
      const b = await ok(V3, v3OrderBody({ currency: null, orderAmount: null, fiatCurrency: 'HKD', fiatAmount: '100' }));
      expect(b.data).toMatchObject({ totalFee: '12.8' });
    });

    it('v2 fiat orders answer the v2 shape (no fiat fields)', async () => {
      const { data } = await ok(V2, v2OrderBody({ currency: ABSENT, orderAmount: ABSENT, fiatCurrency: 'HKD', fiatAmount: '100' }));
      expect(Object.keys(data)).toEqual(V2_KEYS);
      expect((await query(data.prepayId)).data.orderAmount).toBe('12.80000000');
    });

    // BUG (src/services/rates.ts priceInUsdt via services/orders.ts resolveAmount): an unknown
    // fiatCurrency answers 400102 "no exchange rate for XXX on this server…" — the errorMessage
    // does not name the field fiatCurrency, unlike every other field rule.
    it('an unknown fiatCurrency → 400102 naming fiatCurrency', async () => {
      expectFail(await send(V3, v3OrderBody({ currency: ABSENT, orderAmount: ABSENT, fiatCurrency: 'XXX', fiatAmount: 1 })), '400102', 'fiatCurrency');
    });
  });

  describe('merchantTradeNo idempotency (fact sheet §7.7)', () => {
    it('reuse → 400201 even with an identical body, on every version', async () => {
      const body = v3OrderBody();
      const text = bodyText(body);
      const first = await server.client(merchant).request(V3, undefined, { rawBody: text });
      expect(first.envelope?.status).toBe('SUCCESS');
      const again = await server.client(merchant).request(V3, undefined, { rawBody: text });
      expectFail(again, '400201', String(body.merchantTradeNo));
      expectFail(await send(V3, { ...body, orderAmount: '99' }), '400201', 'merchantTradeNo');
      expectFail(await send(SEED, { ...body }), '400201', 'merchantTradeNo');
      expectFail(await send(V2, v2OrderBody({ merchantTradeNo: body.merchantTradeNo })), '400201', 'merchantTradeNo');
      expectFail(await send(V1, v1OrderBody({ merchantTradeNo: body.merchantTradeNo })), '400201', 'merchantTradeNo');
      expectFail(await send(SEED, seedBody({ merchantTradeNo: body.merchantTradeNo })), '400201', 'merchantTradeNo');
    });

    it('a closed order still owns its merchantTradeNo', async () => {
      const body = v3OrderBody();
      const { data } = await ok(V3, body);
      await ok('/binancepay/openapi/order/close', { prepayId: data.prepayId });
      expectFail(await send(V3, body), '400201', 'merchantTradeNo');
    });

    it('the same merchantTradeNo for two merchants is fine', async () => {
      const body = v3OrderBody();
      const a = await ok(V3, body, merchant);
      const b = await ok(V3, body, other);
      expect(a.data.prepayId).not.toBe(b.data.prepayId);
      const qa = await ok<QueryData>(QUERY, { merchantTradeNo: body.merchantTradeNo }, merchant);
      const qb = await ok<QueryData>(QUERY, { merchantTradeNo: body.merchantTradeNo }, other);
      expect(qa.data.prepayId).toBe(a.data.prepayId);
      expect(qb.data.prepayId).toBe(b.data.prepayId);
      expect(qa.data.merchantId).toBe(merchant.merchantId);
      expect(qb.data.merchantId).toBe(other.merchantId);
    });

    it('parallel creates with one merchantTradeNo: exactly one wins, the rest 400201', async () => {
      const body = v3OrderBody();
      const results = await Promise.all(Array.from({ length: 6 }, () => send(V3, body)));
      expect(results.filter((r) => r.envelope?.status === 'SUCCESS')).toHaveLength(1);
      for (const r of results.filter((r) => r.envelope?.status !== 'SUCCESS')) expectFail(r, '400201', 'merchantTradeNo');
    });
  });

  describe('orderExpireTime (fact sheet §3.1, §7.3)', () => {
    it('absent → create time + 1 h, on every version', async () => {
      for (const [path, body] of [
        [V3, v3OrderBody()],
        [V2, v2OrderBody()],
        [V1, v1OrderBody()],
        [SEED, seedBody()],
      ] as const) {
        const { data } = await ok(path, body);
        const q = await query(data.prepayId);
        expect(data.expireTime - q.data.createTime, path).toBe(HOUR);
      }
    });

    it('within the hour → expireTime is the requested time exactly', async () => {
      for (const [path, make] of [
        [V3, v3OrderBody],
        [V2, v2OrderBody],
        [V1, v1OrderBody],
        [SEED, seedBody],
      ] as const) {
        const at = Date.now() + 30 * 60_000 + 123;
        const { data, rawText } = await ok(path, make({ orderExpireTime: at }));
        expect(data.expireTime, path).toBe(at);
        expect(rawText).toContain(`"expireTime":${at}`);
      }
    });

    it('accepts a numeric string, and just-under-1-h', async () => {
      const at = Date.now() + HOUR - 60_000;
      const { data } = await ok(V3, v3OrderBody({ orderExpireTime: String(at) }));
      expect(data.expireTime).toBe(at);
    });

    it('slightly beyond 1 h but within the request window → clamped to create time + 1 h', async () => {
      const window = server.config.timestampWindowMs;
      const { data } = await ok(V3, v3OrderBody({ orderExpireTime: Date.now() + HOUR + Math.floor(window / 2) }));
      const q = await query(data.prepayId);
      expect(data.expireTime).toBe(q.data.createTime + HOUR);
    });

    it('beyond 1 h + the request window → 400102', async () => {
      const window = server.config.timestampWindowMs;
      expectFail(await send(V3, v3OrderBody({ orderExpireTime: Date.now() + HOUR + window + 60_000 })), '400102', 'orderExpireTime');
      expectFail(await send(V1, v1OrderBody({ orderExpireTime: Date.now() + HOUR + window + 60_000 })), '400102', 'orderExpireTime');
    });
  });

  describe('response shape (fact sheet §3.1, §3.2)', () => {
    const checkCommon = (data: CreateData, rawText: string, terminalType: string) => {
      expect(data.terminalType).toBe(terminalType);
      // prepayId: a JSON string of digits whose value is above 2^53 (fact sheet §7.1)
      const m = /"prepayId":"(\d{1,19})"/.exec(rawText);
      expect(m, rawText).not.toBeNull();
      expect(BigInt(m?.[1] ?? '0') > TWO_POW_53).toBe(true);
      expect(data.prepayId).toBe(m?.[1]);
      // expireTime: a JSON number
      expect(rawText).toMatch(/"expireTime":\d{13},/);
      expect(data.checkoutUrl.startsWith(`${server.baseUrl}/`)).toBe(true);
      expect(data.qrcodeLink.startsWith(`${server.baseUrl}/`)).toBe(true);
      expect(data.qrContent.startsWith(`${server.baseUrl}/`)).toBe(true);
      // the deep link: its own 32-character token (mixed case, as Binance's), then returnLink
      const deep = /^bnc:\/\/[^?]+\/payment\/secpay\?tempToken=([A-Za-z0-9]{32})&returnLink=(.+)$/.exec(data.deeplink);
      expect(deep, data.deeplink).not.toBeNull();
      // universalUrl carries the deep link, base64 without padding, in `_dp`
      const universal = new URL(data.universalUrl);
      expect(universal.searchParams.get('linkToken')).toMatch(/^[0-9a-f]{32}$/);
      expect(deep?.[1]).not.toBe(universal.searchParams.get('linkToken'));
      expect(deep?.[1]?.toLowerCase()).not.toContain(universal.searchParams.get('linkToken'));
      expect(deep?.[2]).toBe(data.checkoutUrl);
      const dp = universal.searchParams.get('_dp') ?? '';
      expect(dp).not.toMatch(/=$/);
      expect(Buffer.from(dp, 'base64').toString('utf8')).toBe(data.deeplink);
      expect(data.universalUrl).toContain(`_dp=${dp}`);
    };

    it('v3: exactly the documented keys, in order; totalFee a trimmed string', async () => {
      const { data, rawText } = await ok(V3, v3OrderBody({ orderAmount: '10.50000000' }));
      expect(Object.keys(data)).toEqual(V3_KEYS);
      expect(rawText).toContain('"currency":"USDT","totalFee":"10.5"');
      checkCommon(data, rawText, 'WEB');
    });

    it('v3 with the terminalType echoed', async () => {
      const { data, rawText } = await ok(V3, patched(v3OrderBody(), { 'env.terminalType': 'WAP' }));
      checkCommon(data, rawText, 'WAP');
    });

    it('seed path with a v3 body: the v3 shape', async () => {
      const { data, rawText } = await ok(SEED, v3OrderBody());
      expect(Object.keys(data)).toEqual(V3_KEYS);
      checkCommon(data, rawText, 'WEB');
    });

    it('v2 and v1: no currency or totalFee', async () => {
      const v2 = await ok(V2, v2OrderBody());
      expect(Object.keys(v2.data)).toEqual(V2_KEYS);
      checkCommon(v2.data, v2.rawText, 'APP');
      const v1 = await ok(V1, v1OrderBody());
      expect(Object.keys(v1.data)).toEqual(V2_KEYS);
      checkCommon(v1.data, v1.rawText, 'WEB');
    });

    it('the envelope is status, code, data, errorMessage in that order', async () => {
      const { rawText } = await ok(V3, v3OrderBody());
      expect(rawText.startsWith('{"status":"SUCCESS","code":"000000","data":{')).toBe(true);
      expect(rawText.endsWith(',"errorMessage":""}')).toBe(true);
    });

    it('universalUrlAttach is appended to universalUrl (v3 and v1)', async () => {
      const attach = 'countryCode=1&phone=1234567';
      const v3 = await ok(V3, v3OrderBody({ universalUrlAttach: attach }));
      expect(v3.data.universalUrl.endsWith(`&${attach}`)).toBe(true);
      expect(new URL(v3.data.universalUrl).searchParams.get('phone')).toBe('1234567');
      checkCommon(v3.data, v3.rawText, 'WEB');
      const v1 = await ok(V1, v1OrderBody({ universalUrlAttach: attach }));
      expect(v1.data.universalUrl.endsWith(`&${attach}`)).toBe(true);
      const plain = await ok(V3, v3OrderBody());
      expect(plain.data.universalUrl).not.toContain('countryCode');
    });

    it('prepayIds are distinct and increase', async () => {
      const ids: bigint[] = [];
      for (let i = 0; i < 5; i++) ids.push(BigInt((await ok(V3, v3OrderBody())).data.prepayId));
      expect(new Set(ids.map(String)).size).toBe(5);
      for (let i = 1; i < ids.length; i++) expect((ids[i] as bigint) > (ids[i - 1] as bigint)).toBe(true);
    });

    it('passThroughInfo is echoed verbatim by query order', async () => {
      const info = '{"cart":42,"note":"ünïcødé \\" quote"}';
      const { data } = await ok(V3, v3OrderBody({ passThroughInfo: info }));
      expect((await query(data.prepayId)).data.passThroughInfo).toBe(info);
    });
  });
});
