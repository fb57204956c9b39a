import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BinancePayClient, BinancePayError, BinancePayTransportError, CertificateStore, PATHS, verifyWebhook } from '../src/index.ts';

const API_KEY = 'k'.repeat(64);
const API_SECRET = 'uahr4nhailyq55yubuhuncnprfac73bcbz2qfafsevic1jruwunioxtoaozy122f';
const FIXED_NOW = 1_700_000_000_000;
const FIXED_NONCE = '5RhaTrZPhknNv0kDSA2UQ67cPMVNS4sA';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Independent of the SDK: fact sheet §1.3 with node:crypto directly. */
const expectedSignature = (ts: string, nonce: string, body: Buffer | string): string =>
  createHmac('sha512', API_SECRET)
    .update(Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`), Buffer.from(body), Buffer.from('\n')]))
    .digest('hex')
    .toUpperCase();

let server: Server;
let baseUrl: string;
let requests: Recorded[] = [];
let reply: { status: number; body: string; contentType?: string; delayMs?: number } = { status: 200, body: '{"status":"SUCCESS","code":"000000","data":null}' };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      const send = () => {
        res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json', 'x-test': 'yes' });
        res.end(reply.body);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests = [];
  reply = { status: 200, body: '{"status":"SUCCESS","code":"000000","data":null}' };
});

const client = (extra: Partial<ConstructorParameters<typeof BinancePayClient>[0]> = {}) =>
  new BinancePayClient({ apiKey: API_KEY, apiSecret: API_SECRET, baseUrl, now: () => FIXED_NOW, nonce: () => FIXED_NONCE, ...extra });

const success = (data: unknown, status = 'SUCCESS', code = '000000') => JSON.stringify({ status, code, data, errorMessage: null });

const last = (): Recorded => {
  const r = requests.at(-1);
  if (!r) throw new Error('no request recorded');
  return r;
};

describe('BinancePayClient.request — wire format (fact sheet §1)', () => {
  it('POSTs the JSON body and the five headers, signature over the exact bytes sent', async () => {
    const order = { env: { terminalType: 'WEB' as const }, merchantTradeNo: 'T1', orderAmount: '25.17', currency: 'USDT', description: 'ice – crème 🍦', goodsDetails: [] };
    reply = { status: 200, body: success({ prepayId: '270342174837137408' }) };
    const data = await client().createOrder(order);
    expect(data).toEqual({ prepayId: '270342174837137408' });

    const r = last();
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/binancepay/openapi/v3/order');
    expect(r.body.toString('utf8')).toBe(JSON.stringify(order));
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['binancepay-timestamp']).toBe(String(FIXED_NOW));
    expect(r.headers['binancepay-nonce']).toBe(FIXED_NONCE);
    expect(r.headers['binancepay-certificate-sn']).toBe(API_KEY);
    expect(r.headers['binancepay-signature']).toBe(expectedSignature(String(FIXED_NOW), FIXED_NONCE, r.body));
    expect(r.headers['binancepay-signature']).toMatch(/^[0-9A-F]{128}$/);
  });

  it('defaults: wall-clock ms timestamp and a fresh 32-char nonce per request', async () => {
    const c = new BinancePayClient({ apiKey: API_KEY, apiSecret: API_SECRET, baseUrl: `${baseUrl}/` });
    const before = Date.now();
    await c.request('/binancepay/openapi/balance', { wallet: 'SPOT_WALLET', currency: 'USDT' });
    await c.request('binancepay/openapi/balance', { wallet: 'SPOT_WALLET', currency: 'USDT' });
    const [a, b] = requests as [Recorded, Recorded];
    expect(a.url).toBe('/binancepay/openapi/balance'); // trailing slash / missing slash normalised
    expect(b.url).toBe('/binancepay/openapi/balance');
    const ts = Number(a.headers['binancepay-timestamp']);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(Date.now());
    expect(a.headers['binancepay-nonce']).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(a.headers['binancepay-nonce']).not.toBe(b.headers['binancepay-nonce']);
    expect(a.headers['binancepay-signature']).toBe(expectedSignature(String(ts), String(a.headers['binancepay-nonce']), a.body));
  });

  it('no body → empty string body, signed as ts\\nnonce\\n\\n (getCertificates, §1.3)', async () => {
    reply = { status: 200, body: success([{ certSerial: 'S', certPublic: 'P' }]) };
    expect(await client().getCertificates()).toEqual([{ certSerial: 'S', certPublic: 'P' }]);
    const r = last();
    expect(r.url).toBe('/binancepay/openapi/certificates');
    expect(r.body.length).toBe(0);
    expect(r.headers['content-length']).toBe('0');
    expect(r.headers['binancepay-signature']).toBe(expectedSignature(String(FIXED_NOW), FIXED_NONCE, ''));
    await client().getCertificates({});
    expect(last().body.toString()).toBe('{}');
  });

  it('rawBody is sent byte-for-byte and is what gets signed', async () => {
    const rawBody = '{"merchantTradeNo": "T1", "url": "https:\\/\\/x", "note": "naïve"}';
    await client().request('/binancepay/openapi/v2/order/query', { ignored: true }, { rawBody });
    const r = last();
    expect(r.body.equals(Buffer.from(rawBody, 'utf8'))).toBe(true);
    expect(r.headers['binancepay-signature']).toBe(expectedSignature(String(FIXED_NOW), FIXED_NONCE, rawBody));
  });

  it('timestamp / nonce overrides are sent and signed', async () => {
    await client().request('/p', { a: 1 }, { timestamp: 1_600_000_000, nonce: 'abc' });
    const r = last();
    expect(r.headers['binancepay-timestamp']).toBe('1600000000');
    expect(r.headers['binancepay-nonce']).toBe('abc');
    expect(r.headers['binancepay-signature']).toBe(expectedSignature('1600000000', 'abc', '{"a":1}'));
  });

  it('signature override (e.g. lower-case hex) is sent as-is', async () => {
    const lower = expectedSignature(String(FIXED_NOW), FIXED_NONCE, '{"a":1}').toLowerCase();
    await client().request('/p', { a: 1 }, { signature: lower });
    expect(last().headers['binancepay-signature']).toBe(lower);
  });

  it('headers: undefined removes (case-insensitively), a value adds or replaces', async () => {
    await client().request('/p', {}, { headers: { 'binancepay-nonce': undefined, 'BinancePay-Signature': undefined, 'X-Extra': '1', 'BINANCEPAY-CERTIFICATE-SN': 'other' } });
    const h = last().headers;
    expect(h['binancepay-nonce']).toBeUndefined();
    expect(h['binancepay-signature']).toBeUndefined();
    expect(h['binancepay-timestamp']).toBe(String(FIXED_NOW));
    expect(h['binancepay-certificate-sn']).toBe('other');
    expect(h['x-extra']).toBe('1');
  });

  it('contentType: null sends no content-type at all; a string replaces it', async () => {
    await client().request('/p', { a: 1 }, { contentType: null });
    expect(last().headers['content-type']).toBeUndefined();
    expect(last().body.toString()).toBe('{"a":1}');
    await client().request('/p', { a: 1 }, { contentType: 'text/plain' });
    expect(last().headers['content-type']).toBe('text/plain');
  });

  it('method override: PUT keeps the body, GET sends none', async () => {
    await client().request('/p', { a: 1 }, { method: 'put' });
    expect(last().method).toBe('PUT');
    expect(last().body.toString()).toBe('{"a":1}');
    await client().request('/p', { a: 1 }, { method: 'GET' });
    expect(last().method).toBe('GET');
    expect(last().body.length).toBe(0);
  });
});

describe('BinancePayClient — responses (fact sheet §2)', () => {
  it('request never throws on FAIL / HTTP 400 and exposes status, headers, text and envelope', async () => {
    reply = { status: 400, body: '{"status":"FAIL","code":"400002","errorMessage":"Signature for this request is not valid."}' };
    const res = await client().request('/p', {});
    expect(res.httpStatus).toBe(400);
    expect(res.headers['x-test']).toBe('yes');
    expect(res.rawText).toBe(reply.body);
    expect(res.envelope).toEqual({ status: 'FAIL', code: '400002', errorMessage: 'Signature for this request is not valid.' });
  });

  it('call throws BinancePayError with code and message on a FAIL envelope with HTTP 400', async () => {
    reply = { status: 400, body: '{"status":"FAIL","code":"400202","errorMessage":"Order not found"}' };
    const err = await client()
      .queryOrder({ merchantTradeNo: 'nope' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BinancePayError);
    expect(err).toBeInstanceOf(Error);
    const e = err as BinancePayError;
    expect(e.code).toBe('400202');
    expect(e.errorMessage).toBe('Order not found');
    expect(e.httpStatus).toBe(400);
    expect(e.status).toBe('FAIL');
    expect(e.body).toEqual(JSON.parse(reply.body));
    expect(e.rawText).toBe(reply.body);
    expect(e.message).toContain('400202');
  });

  it('call throws on a FAIL envelope even with HTTP 200, and on the legacy gateway shape', async () => {
    reply = { status: 200, body: '{"status":"FAIL","code":"400003","errorMessage":"Timestamp for this request is outside of the recvWindow."}' };
    await expect(client().call('/p')).rejects.toMatchObject({ code: '400003', httpStatus: 200 });
    reply = { status: 200, body: '{"status":"ERROR","type":"SYS","code":"100001001","errorData":"System abnormality"}' };
    await expect(client().call('/p')).rejects.toMatchObject({ code: '100001001', status: 'ERROR', errorMessage: 'System abnormality' });
  });

  it('request returns envelope null for a non-JSON answer; call throws BinancePayError', async () => {
    reply = { status: 403, body: '<html>The request could not be satisfied</html>', contentType: 'text/html' };
    const res = await client().request('/wrong');
    expect(res.httpStatus).toBe(403);
    expect(res.envelope).toBeNull();
    expect(res.rawText).toContain('could not be satisfied');
    await expect(client().call('/wrong')).rejects.toMatchObject({ name: 'BinancePayError', code: '', httpStatus: 403, body: null });
  });

  it('envelope is null for JSON that is not an object', async () => {
    for (const body of ['[1,2]', '"x"', 'null', '42', '']) {
      reply = { status: 200, body };
      expect((await client().request('/p')).envelope).toBeNull();
    }
  });

  it('long ids beyond 2^53 in responses arrive as exact strings', async () => {
    reply = { status: 200, body: '{"status":"SUCCESS","code":"000000","data":{"merchantId":216447206,"transferDetailList":[{"orderId":29383937493038367292}]}}' };
    const data = await client().queryPayout({ requestId: 'r1' });
    expect(data.merchantId).toBe(216447206);
    expect(data.transferDetailList[0]?.orderId).toBe('29383937493038367292');
  });

  it('transferFund reports idempotent repeats (REPEAT_REQ_SUCCESS / 000001, §3.12)', async () => {
    const transfer = { tranId: 'T1', status: 'SUCCESS', currency: 'USDT', amount: '1.00', transferType: 'TO_MAIN' };
    const req = { requestId: 'T1', currency: 'USDT', amount: '1.00', transferType: 'TO_MAIN' as const };
    reply = { status: 200, body: success(transfer) };
    expect(await client().transferFund(req)).toEqual({ ...transfer, repeated: false });
    reply = { status: 200, body: success(transfer, 'REPEAT_REQ_SUCCESS', '000001') };
    expect(await client().transferFund(req)).toEqual({ ...transfer, repeated: true });
    expect(await client().call('/p')).toEqual(transfer); // call also treats it as success
  });
});

describe('BinancePayClient — transport failures', () => {
  it('throws BinancePayTransportError TIMEOUT after timeoutMs', async () => {
    reply = { status: 200, body: success(null), delayMs: 500 };
    const err = await client({ timeoutMs: 50 })
      .request('/slow')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BinancePayTransportError);
    expect((err as BinancePayTransportError).reason).toBe('TIMEOUT');
  });

  it('throws BinancePayTransportError NETWORK when nothing listens', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const err = await client({ baseUrl: `http://127.0.0.1:${port}` })
      .request('/p')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BinancePayTransportError);
    expect((err as BinancePayTransportError).reason).toBe('NETWORK');
  });

  it('uses an injected fetch', async () => {
    const calls: string[] = [];
    const fake: typeof fetch = async (input) => {
      calls.push(String(input));
      return new Response(success(true));
    };
    expect(await client({ fetch: fake, baseUrl: 'https://bpay.example' }).closeOrder({ prepayId: '1' })).toBe(true);
    expect(calls).toEqual(['https://bpay.example/binancepay/openapi/order/close']);
  });
});

describe('BinancePayClient — typed methods hit their endpoints (fact sheet §3.0)', () => {
  const c = () => client();
  const table: Array<[string, (cl: BinancePayClient) => Promise<unknown>, string]> = [
    ['createOrder', (cl) => cl.createOrder({ env: { terminalType: 'APP' }, merchantTradeNo: 'a', description: 'd', goodsDetails: [] }), '/binancepay/openapi/v3/order'],
    ['createOrderV2', (cl) => cl.createOrderV2({ env: { terminalType: 'APP' }, merchantTradeNo: 'a', goods: { goodsType: '01', goodsCategory: 'D000', referenceGoodsId: 'x', goodsName: 'n' } }), '/binancepay/openapi/v2/order'],
    ['createOrderV1', (cl) => cl.createOrderV1({ merchantTradeNo: 'a', tradeType: 'WEB', totalFee: 1, currency: 'USDT', productType: 'Food', productName: 'n' }), '/binancepay/openapi/order'],
    ['queryOrder', (cl) => cl.queryOrder({ prepayId: '1' }), '/binancepay/openapi/v2/order/query'],
    ['queryOrderV1', (cl) => cl.queryOrderV1({ merchantTradeNo: 'a' }), '/binancepay/openapi/order/query'],
    ['closeOrder', (cl) => cl.closeOrder({ merchantTradeNo: 'a', prepayId: null }), '/binancepay/openapi/order/close'],
    ['refundOrder', (cl) => cl.refundOrder({ refundRequestId: 'r', prepayId: '1', refundAmount: '0.5' }), '/binancepay/openapi/order/refund'],
    ['queryRefund', (cl) => cl.queryRefund({ refundRequestId: 'r' }), '/binancepay/openapi/order/refund/query'],
    ['getCertificates', (cl) => cl.getCertificates(), '/binancepay/openapi/certificates'],
    ['getNewCertificates', (cl) => cl.getNewCertificates(), '/binancepay/openapi/certificates/new'],
    [
      'batchPayout',
      (cl) =>
        cl.batchPayout({
          requestId: 'r',
          batchName: 'b',
          currency: 'USDT',
          totalAmount: '1',
          totalNumber: 1,
          transferDetailList: [{ merchantSendId: 'm', receiveType: 'EMAIL', receiver: 'a@b.c', transferAmount: '1', transferMethod: 'FUNDING_WALLET' }],
        }),
      '/binancepay/openapi/payout/transfer',
    ],
    ['queryPayout', (cl) => cl.queryPayout({ requestId: 'r', detailStatus: ['ALL'] }), '/binancepay/openapi/payout/query'],
    ['checkPayoutReceiver', (cl) => cl.checkPayoutReceiver({ receiveType: 'BINANCE_ID', receiverId: '1' }), '/binancepay/openapi/payout/receiver/check'],
    ['getBalance', (cl) => cl.getBalance({ wallet: 'SPOT_WALLET', currency: 'USDT' }), '/binancepay/openapi/balance'],
    ['getBalanceV2', (cl) => cl.getBalanceV2({ wallet: 'FUNDING_WALLET' }), '/binancepay/openapi/v2/balance'],
    ['transferFund', (cl) => cl.transferFund({ requestId: 'r', currency: 'USDT', amount: '1', transferType: 'TO_PAY' }), '/binancepay/openapi/wallet/transfer'],
    ['queryTransferFund', (cl) => cl.queryTransferFund({ tranId: 'r' }), '/binancepay/openapi/wallet/transfer/query'],
    ['addSubMerchant', (cl) => cl.addSubMerchant({ merchantName: 'm', storeType: 0, merchantMcc: '1001' }), '/binancepay/openapi/submerchant/add'],
    ['modifySubMerchant', (cl) => cl.modifySubMerchant({ subMerchantId: '1', siteUrl: 'https://x' }), '/binancepay/openapi/submerchant/modify'],
    ['addReceiver', (cl) => cl.addReceiver({ account: '1' }), '/binancepay/openapi/profitsharing/v1/add-receiver'],
    ['queryReceiver', (cl) => cl.queryReceiver({ pageNum: 1, pageSize: 10 }), '/binancepay/openapi/profitsharing/v1/query-receiver'],
    ['deleteReceiver', (cl) => cl.deleteReceiver({ account: '1' }), '/binancepay/openapi/profitsharing/v1/del-receiver'],
    ['submitSplit', (cl) => cl.submitSplit({ merchantRequestId: 'm', prepayId: '1', receiverList: [{ account: '1', amount: '0.1' }] }), '/binancepay/openapi/profitsharing/v1/submit-split'],
    ['querySplit', (cl) => cl.querySplit({ merchantRequestId: 'm', prepayId: '1' }), '/binancepay/openapi/profitsharing/v1/query-split'],
    [
      'returnSplit',
      (cl) => cl.returnSplit({ prepayId: '1', splitOrderNo: 's', merchantReturnNo: 'n', transferOutAccount: 'a', returnAmount: '0.1', description: 'd' }),
      '/binancepay/openapi/profitsharing/v1/return',
    ],
  ];

  it.each(table)('%s → %s', async (_name, invoke, path) => {
    reply = { status: 200, body: success({}) };
    await invoke(c());
    expect(last().url).toBe(path);
    expect(last().method).toBe('POST');
    expect(last().headers['binancepay-signature']).toBe(expectedSignature(String(FIXED_NOW), FIXED_NONCE, last().body));
  });

  it('covers every path in PATHS', () => {
    expect(new Set(table.map(([, , p]) => p))).toEqual(new Set(Object.values(PATHS)));
  });
});

describe('CertificateStore backed by a BinancePayClient', () => {
  it('fetches through getCertificates and verifies a webhook with it', async () => {
    const { generateKeyPairSync, createSign } = await import('node:crypto');
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const certPublic = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    reply = { status: 200, body: success([{ certSerial: 'SN1', certPublic }]) };
    const store = new CertificateStore(client());
    const body = '{"bizType":"PAY","data":"{}","bizIdStr":"9007199254740993","bizId":9007199254740993,"bizStatus":"PAY_CLOSED"}';
    const signature = createSign('RSA-SHA256').update(`1\nn\n${body}\n`).sign(privateKey, 'base64');
    const headers = { 'binancepay-timestamp': '1', 'binancepay-nonce': 'n', 'binancepay-certificate-sn': 'SN1', 'binancepay-signature': signature };
    const event = await verifyWebhook(body, headers, store);
    expect(event).toMatchObject({ bizId: '9007199254740993', bizStatus: 'PAY_CLOSED', data: {} });
    await verifyWebhook(body, headers, store);
    expect(requests.filter((r) => r.url === '/binancepay/openapi/certificates')).toHaveLength(1);
  });
});
