/**
 * The notification body and its signature, byte for byte against fact sheet §9 G and the §9 H
 * shapes: key order `bizType, data, bizIdStr, bizId, bizStatus`, `data` a JSON string, `bizId` a
 * bare number literal copied from its digits (never through a JS number).
 */
import { createVerify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeAck, maxAutoAttempts, retryDelayAfter, webhookBody } from '../../src/domain/webhook.ts';
import { parseDurationList } from '../../src/config/config.ts';
import { signWebhook, webhookNonce } from '../../src/outbox/request.ts';
import rsKeyPair from '../../packages/sdk/test/fixtures/rs-key-pair.json' with { type: 'json' };
import { G_BODY, G_NONCE, G_SERIAL, G_SIGNATURE, G_TIMESTAMP, H_PAYOUT_BODY, H_REFUND_BODY } from '../../packages/sdk/test/vectors.ts';

/** The §9 G event as the outbox stores it: `data` is the inner JSON text. */
const G_EVENT = {
  bizType: 'PAY',
  bizId: '29383937493038367292',
  bizStatus: 'PAY_SUCCESS',
  data: '{"merchantTradeNo":"9825382937292","totalFee":0.88000000,"transactTime":1619508939664,"currency":"USDT","openUserId":"1211HS10K81f4273ac031","productType":"Food","productName":"Ice Cream","tradeType":"WEB","transactionId":"M_R_282737362839373","commission":0}',
};

describe('webhook body (fact sheet §5.3)', () => {
  it('is byte-identical to the §9 G body', () => {
    expect(webhookBody(G_EVENT)).toBe(G_BODY);
  });

  it('signs it exactly as §9 G with the RS test key pair', async () => {
    const signed = await signWebhook(G_EVENT, { certSerial: G_SERIAL, privateKeyPem: rsKeyPair.private_key }, G_TIMESTAMP, G_NONCE);
    expect(signed.body).toBe(G_BODY);
    expect(signed.headers).toEqual({
      'content-type': 'application/json',
      'BinancePay-Timestamp': G_TIMESTAMP,
      'BinancePay-Nonce': G_NONCE,
      'BinancePay-Certificate-SN': G_SERIAL,
      'BinancePay-Signature': G_SIGNATURE,
    });
    const ok = createVerify('RSA-SHA256').update(`${G_TIMESTAMP}\n${G_NONCE}\n${G_BODY}\n`).verify(rsKeyPair.cert_public, G_SIGNATURE, 'base64');
    expect(ok).toBe(true);
  });

  it('matches the §9 H PAYOUT body byte for byte', () => {
    const data = JSON.parse(H_PAYOUT_BODY.replace(/"bizId":(\d+)/, '"bizId":"$1"')).data as string;
    expect(webhookBody({ bizType: 'PAYOUT', bizId: '29383937493038367292', bizStatus: 'SUCCESS', data })).toBe(H_PAYOUT_BODY);
  });

  it('matches the §9 H PAY_REFUND body, which predates bizIdStr, plus bizIdStr before bizId', () => {
    const data = JSON.parse(H_REFUND_BODY.replace(/"bizId":(\d+)/, '"bizId":"$1"')).data as string;
    const body = webhookBody({ bizType: 'PAY_REFUND', bizId: '123289163323899904', bizStatus: 'REFUND_SUCCESS', data });
    expect(body).toBe(H_REFUND_BODY.replace('"bizId":', '"bizIdStr":"123289163323899904","bizId":'));
    expect(body.replace('"bizIdStr":"123289163323899904",', '')).toBe(H_REFUND_BODY);
    // the 8-decimal literals inside data survive as written
    expect(body).toContain(String.raw`\"orderAmount\":\"0.01000000\"`);
    expect(body).toContain(String.raw`\"totalFee\":0.01,`);
  });

  it('writes any id of digits as a bare literal and its string twin, never rounding', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) * 10n }), fc.string(), (id, text) => {
        const bizId = id.toString();
        const data = JSON.stringify({ text });
        const body = webhookBody({ bizType: 'PAY', bizId, bizStatus: 'PAY_SUCCESS', data });
        expect(body).toBe(`{"bizType":"PAY","data":${JSON.stringify(data)},"bizIdStr":"${bizId}","bizId":${bizId},"bizStatus":"PAY_SUCCESS"}`);
        const parsed = JSON.parse(body) as { data: string; bizIdStr: string };
        expect(parsed.data).toBe(data);
        expect(parsed.bizIdStr).toBe(bizId);
      }),
    );
  });

  it('refuses an id that is not decimal digits', () => {
    for (const bizId of ['', '12a', '-1', '1.5', '01', ' 1']) expect(() => webhookBody({ bizType: 'PAY', bizId, bizStatus: 'X', data: '{}' })).toThrow(TypeError);
  });

  it('uses a fresh 32-character alphanumeric nonce', () => {
    const nonces = new Set(Array.from({ length: 100 }, webhookNonce));
    expect(nonces.size).toBe(100);
    for (const n of nonces) expect(n).toMatch(/^[A-Za-z0-9]{32}$/);
  });
});

describe('acknowledgement (fact sheet §5.5)', () => {
  it('accepts HTTP 200 with returnCode "SUCCESS", extra keys allowed', () => {
    expect(judgeAck(200, '{"returnCode":"SUCCESS","returnMessage":null}')).toEqual({ ok: true });
    expect(judgeAck(200, ' {"returnCode":"SUCCESS","extra":1} ')).toEqual({ ok: true });
    expect(judgeAck(200, '{"returnCode":"SUCCESS","returnMessage":"ok"}', true)).toEqual({ ok: true });
  });

  it('refuses everything else, with a reason', () => {
    const cases: Array<[number, string, RegExp]> = [
      [500, '{"returnCode":"SUCCESS"}', /HTTP 500/],
      [201, '{"returnCode":"SUCCESS"}', /HTTP 201/],
      [200, '{"returnCode":"FAIL","returnMessage":"no"}', /returnCode is "FAIL"/],
      [200, '{"returnCode":"success"}', /returnCode is "success"/],
      [200, '{"code":"SUCCESS","message":"Done"}', /returnCode is missing/],
      [200, 'OK', /not JSON/],
      [200, '', /not JSON/],
      [200, '["SUCCESS"]', /not a JSON object/],
      [200, 'null', /not a JSON object/],
    ];
    for (const [status, body, reason] of cases) {
      const verdict = judgeAck(status, body);
      expect(verdict.ok, body).toBe(false);
      if (!verdict.ok) expect(verdict.reason).toMatch(reason);
    }
    expect(judgeAck(200, '{"returnCode":"SUCCESS","extra":1}', true).ok).toBe(false);
    expect(judgeAck(200, '{"returnCode":"SUCCESS","returnMessage":5}', true).ok).toBe(false);
  });
});

describe('retry schedule (fact sheet §5.1 "up to 6 times")', () => {
  const schedule = parseDurationList('15s,1m,5m,15m,1h,2h');

  it('parses durations', () => {
    expect(schedule).toEqual([15_000, 60_000, 300_000, 900_000, 3_600_000, 7_200_000]);
    expect(parseDurationList('250ms, 1, 2d')).toEqual([250, 1, 172_800_000]);
    expect(parseDurationList('')).toEqual([]);
    expect(parseDurationList('none')).toEqual([]);
    expect(() => parseDurationList('15 s')).toThrow(/BPAY_WEBHOOK_RETRY_SCHEDULE/);
  });

  it('is the first attempt plus one retry per entry: 7 attempts by default', () => {
    expect(maxAutoAttempts(schedule)).toBe(7);
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayAfter(schedule, n))).toEqual([15_000, 60_000, 300_000, 900_000, 3_600_000, 7_200_000, undefined]);
    expect(maxAutoAttempts([])).toBe(1);
    expect(retryDelayAfter([], 1)).toBeUndefined();
  });
});
