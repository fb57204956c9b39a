/**
 * Wallet balance v1 and v2 on both dialects, through real HTTP (fact sheet §3.11, §7.2): the
 * merchant's funding wallet grows by what payers pay, amounts are 8-decimal JSON number literals,
 * valuations use the configured rates rounded down, commission is kept back.
 */
import type { RawResponse } from '@binance-pay-server/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { v3OrderBody } from '../helpers/endpoints.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';
import { expectNamed } from '../helpers/envelope.ts';

const BALANCE = '/binancepay/openapi/balance';
const BALANCE_V2 = '/binancepay/openapi/v2/balance';

/** An 8-decimal JSON number literal, e.g. 10.50000000 (not quoted). */
const N8 = String.raw`-?\d+\.\d{8}`;

/** Sum of two 8-decimal texts, exactly. */
function plus(a: string, b: string): string {
  const units = (t: string) => BigInt(t.replace('.', ''));
  const s = (units(a) + units(b)).toString().padStart(9, '0');
  return `${s.slice(0, -8)}.${s.slice(-8)}`;
}

interface V2Data {
  balance: Array<{ available: number; freeze: number; asset: string; availableFiatValuation: number; availableBtcValuation: number }>;
  wallet: string;
  updateTime: number;
  fiat: string;
}

describeEachDialect('wallet balance v1 and v2', (dialect) => {
  let server: TestServer;
  let payerId: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    const payer = await server.adminOk<{ binanceId: string }>('POST', '/payers', { fund: ['100000:USDT', '10:BTC', '1000:TRX'] });
    payerId = payer.binanceId;
  });
  afterAll(async () => server?.close());

  const send = (m: MerchantCredentials, path: string, body: unknown): Promise<RawResponse> => server.client(m).request(path, body);

  const ok = async (m: MerchantCredentials, path: string, body: unknown): Promise<string> => {
    const r = await send(m, path, body);
    expect(r.envelope, r.rawText).toMatchObject({ status: 'SUCCESS', code: '000000' });
    expect(r.httpStatus).toBe(200);
    return r.rawText;
  };

  /** The v1 `data` text, checked to be the exact key order and literal types. */
  const v1 = async (m: MerchantCredentials, wallet: string, currency: string) => {
    const text = await ok(m, BALANCE, { wallet, currency });
    const match = new RegExp(`"data":\\{"balance":(${N8}),"asset":"${currency}","fiat":"USD","availableFiatValuation":(${N8}),"availableBtcValuation":(${N8})\\}`).exec(text);
    expect(match, text).not.toBeNull();
    return { balance: match?.[1], usd: match?.[2], btc: match?.[3], text };
  };

  /** The v2 entries as exact literal texts, keyed by asset. */
  const v2 = async (m: MerchantCredentials, wallet: string, currency?: string) => {
    const text = await ok(m, BALANCE_V2, currency === undefined ? { wallet } : { wallet, currency });
    const r = await send(m, BALANCE_V2, currency === undefined ? { wallet } : { wallet, currency });
    const data = r.envelope?.data as V2Data;
    expect(Object.keys(data)).toEqual(['balance', 'wallet', 'updateTime', 'fiat']);
    expect(data.wallet).toBe(wallet);
    expect(data.fiat).toBe('USD');
    expect(text).toMatch(/"updateTime":\d{13},/);
    const entries = new Map<string, { available: string; freeze: string; usd: string; btc: string }>();
    const re = new RegExp(`\\{"available":(${N8}),"freeze":(${N8}),"asset":"([A-Z0-9]+)","availableFiatValuation":(${N8}),"availableBtcValuation":(${N8})\\}`, 'g');
    for (const m2 of text.matchAll(re)) entries.set(m2[3] as string, { available: m2[1] as string, freeze: m2[2] as string, usd: m2[4] as string, btc: m2[5] as string });
    expect(entries.size, text).toBe(data.balance.length);
    for (const b of data.balance) expect(Object.keys(b)).toEqual(['available', 'freeze', 'asset', 'availableFiatValuation', 'availableBtcValuation']);
    return entries;
  };

  const payOrder = async (m: MerchantCredentials, orderAmount: string, currency: string, payCurrency?: string) => {
    const { prepayId } = await server.client(m).call<{ prepayId: string }>('/binancepay/openapi/v3/order', v3OrderBody({ orderAmount, currency }));
    await server.adminOk('POST', `/orders/${prepayId}/pay`, { payer: payerId, ...(payCurrency ? { currency: payCurrency } : {}) });
    return prepayId;
  };

  describe('before and after payments', () => {
    let m: MerchantCredentials;
    beforeAll(async () => {
      m = await server.createMerchant({ name: 'Balance Shop' });
    });

    it('a new merchant has zero, written 0.00000000, and an empty v2 list', async () => {
      const b = await v1(m, 'FUNDING_WALLET', 'USDT');
      expect(b).toMatchObject({ balance: '0.00000000', usd: '0.00000000', btc: '0.00000000' });
      expect(b.text).toContain('"balance":0.00000000,');
      expect((await v1(m, 'SPOT_WALLET', 'BTC')).balance).toBe('0.00000000');
      expect((await v2(m, 'FUNDING_WALLET')).size).toBe(0);
      expect((await v2(m, 'SPOT_WALLET')).size).toBe(0);
      expect([...(await v2(m, 'FUNDING_WALLET', 'USDT')).entries()]).toEqual([['USDT', { available: '0.00000000', freeze: '0.00000000', usd: '0.00000000', btc: '0.00000000' }]]);
    });

    it('a paid order grows FUNDING by the paid amount; SPOT stays unchanged', async () => {
      await payOrder(m, '10.5', 'USDT');
      const b = await v1(m, 'FUNDING_WALLET', 'USDT');
      expect(b.text).toContain('"balance":10.50000000,');
      // USD valuation at USDT 1; BTC valuation at 65000 rounded down: 10.5 / 65000 = 0.000161538…
      expect(b).toMatchObject({ balance: '10.50000000', usd: '10.50000000', btc: '0.00016153' });
      expect((await v1(m, 'SPOT_WALLET', 'USDT')).balance).toBe('0.00000000');
      expect((await v2(m, 'SPOT_WALLET')).size).toBe(0);

      await payOrder(m, '0.00000001', 'USDT');
      expect((await v1(m, 'FUNDING_WALLET', 'USDT')).balance).toBe('10.50000001');
    });

    it('v2 without currency lists every asset the wallet holds', async () => {
      await payOrder(m, '0.001', 'BTC');
      const all = await v2(m, 'FUNDING_WALLET');
      expect([...all.keys()].sort()).toEqual(['BTC', 'USDT']);
      expect(all.get('USDT')).toEqual({ available: '10.50000001', freeze: '0.00000000', usd: '10.50000001', btc: '0.00016153' });
      // BTC at 65000: 0.001 BTC = 65 USD
      expect(all.get('BTC')).toEqual({ available: '0.00100000', freeze: '0.00000000', usd: '65.00000000', btc: '0.00100000' });
      const one = await v2(m, 'FUNDING_WALLET', 'BTC');
      expect([...one.keys()]).toEqual(['BTC']);
      expect(one.get('BTC')).toEqual(all.get('BTC'));
    });

    it('an order paid in another currency credits the merchant in the order currency', async () => {
      const before = (await v1(m, 'FUNDING_WALLET', 'USDT')).balance;
      await payOrder(m, '65', 'USDT', 'BTC');
      expect((await v1(m, 'FUNDING_WALLET', 'USDT')).balance).toBe(plus(before ?? '', '65.00000000'));
      expect((await v1(m, 'FUNDING_WALLET', 'BTC')).balance).toBe('0.00100000');
    });

    it("another merchant's balance does not move", async () => {
      const bystander = await server.createMerchant({ name: 'Bystander' });
      await payOrder(m, '1', 'USDT');
      expect((await v1(bystander, 'FUNDING_WALLET', 'USDT')).balance).toBe('0.00000000');
      expect((await v2(bystander, 'FUNDING_WALLET')).size).toBe(0);
    });
  });

  describe('valuations (configured rates, rounded down)', () => {
    it('USDT 10 → availableFiatValuation 10.00000000, availableBtcValuation 10/65000 rounded down', async () => {
      const m = await server.createMerchant({ name: 'Valuation Shop' });
      expect(server.config.rates.BTC).toBe('65000');
      await payOrder(m, '10', 'USDT');
      const b = await v1(m, 'FUNDING_WALLET', 'USDT');
      expect(b.text).toContain('"availableFiatValuation":10.00000000,');
      // 10 / 65000 = 0.000153846…
      expect(b).toMatchObject({ balance: '10.00000000', usd: '10.00000000', btc: '0.00015384' });
    });

    it('BTC is valued at the configured BTC rate', async () => {
      const m = await server.createMerchant({ name: 'BTC Shop' });
      await payOrder(m, '0.12345678', 'BTC');
      // 0.12345678 × 65000 = 8024.6907
      expect(await v1(m, 'FUNDING_WALLET', 'BTC')).toMatchObject({ balance: '0.12345678', usd: '8024.69070000', btc: '0.12345678' });
    });

    it('a valuation with more than 8 decimals is rounded down', async () => {
      const m = await server.createMerchant({ name: 'TRX Shop' });
      expect(server.config.rates.TRX).toBe('0.12');
      await payOrder(m, '1.23456789', 'TRX');
      // 1.23456789 × 0.12 = 0.1481481468 → 0.14814814; / 65000 = 0.0000022792… → 0.00000227
      expect(await v1(m, 'FUNDING_WALLET', 'TRX')).toMatchObject({ balance: '1.23456789', usd: '0.14814814', btc: '0.00000227' });
    });
  });

  describe('commission', () => {
    it('with commissionRate 0.01 the balance is the amount minus commission', async () => {
      const m = await server.createMerchant({ name: 'Commission Shop' });
      await server.adminOk('PATCH', `/merchants/${m.merchantId}`, { commissionRate: '0.01' });
      await payOrder(m, '10', 'USDT');
      expect((await v1(m, 'FUNDING_WALLET', 'USDT')).balance).toBe('9.90000000');
      await payOrder(m, '0.5', 'USDT');
      expect((await v1(m, 'FUNDING_WALLET', 'USDT')).balance).toBe('10.39500000');
      expect((await v2(m, 'FUNDING_WALLET')).get('USDT')?.available).toBe('10.39500000');
      const verify = await server.adminOk<{ ok: boolean }>('GET', '/ledger/verify');
      expect(verify.ok).toBe(true);
    });
  });

  describe('field rules', () => {
    let m: MerchantCredentials;
    beforeAll(async () => {
      m = await server.createMerchant({ name: 'Rules Shop' });
    });

    const expectFail = (r: RawResponse, code: string, field: string) => {
      expect(r.envelope, r.rawText).toMatchObject({ status: 'FAIL', code });
      expect(r.httpStatus).toBe(400);
      expectNamed(r.envelope, field, r.rawText);
    };

    const cases: Array<[string, string, unknown, string, string]> = [
      ['v1 wallet missing', BALANCE, { currency: 'USDT' }, '400100', 'wallet'],
      ['v1 wallet null', BALANCE, { wallet: null, currency: 'USDT' }, '400100', 'wallet'],
      ['v1 wallet empty', BALANCE, { wallet: '', currency: 'USDT' }, '400100', 'wallet'],
      ['v1 currency missing', BALANCE, { wallet: 'FUNDING_WALLET' }, '400100', 'currency'],
      ['v1 currency null', BALANCE, { wallet: 'FUNDING_WALLET', currency: null }, '400100', 'currency'],
      ['v1 nothing', BALANCE, {}, '400100', 'wallet'],
      ['v1 wallet FUNDING', BALANCE, { wallet: 'FUNDING', currency: 'USDT' }, '400102', 'wallet'],
      ['v1 wallet lower case', BALANCE, { wallet: 'funding_wallet', currency: 'USDT' }, '400102', 'wallet'],
      ['v1 wallet a number', BALANCE, { wallet: 1, currency: 'USDT' }, '400008', 'wallet'],
      ['v1 currency unknown', BALANCE, { wallet: 'FUNDING_WALLET', currency: 'XYZ' }, '400102', 'currency'],
      ['v1 currency a fiat', BALANCE, { wallet: 'FUNDING_WALLET', currency: 'HKD' }, '400102', 'currency'],
      ['v1 currency lower case', BALANCE, { wallet: 'FUNDING_WALLET', currency: 'usdt' }, '400103', 'currency'],
      ['v2 wallet missing', BALANCE_V2, { currency: 'USDT' }, '400100', 'wallet'],
      ['v2 wallet unknown', BALANCE_V2, { wallet: 'MARGIN_WALLET' }, '400102', 'wallet'],
      ['v2 currency unknown', BALANCE_V2, { wallet: 'SPOT_WALLET', currency: 'XYZ' }, '400102', 'currency'],
      ['v2 currency a number', BALANCE_V2, { wallet: 'SPOT_WALLET', currency: 5 }, '400008', 'currency'],
    ];
    for (const [name, path, body, code, field] of cases) {
      it(`${name} → ${code}`, async () => {
        expectFail(await send(m, path, body), code, field);
      });
    }

    it('v2 currency null counts as absent', async () => {
      expect((await v2(m, 'FUNDING_WALLET', null as unknown as string)).size).toBe(0);
    });

    it('unknown extra fields are ignored', async () => {
      await ok(m, BALANCE, { wallet: 'SPOT_WALLET', currency: 'USDT', extra: 1 });
      await ok(m, BALANCE_V2, { wallet: 'SPOT_WALLET', extra: [1] });
    });
  });
});
