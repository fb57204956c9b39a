/**
 * The comparison the kit and the proxy share, on its own: every kind of difference, request mode
 * (null and "" as absent, unknown members as warnings), and the shapes registry's own consistency.
 */
import { describe, expect, it } from 'vitest';
import { FLOWS } from '../../src/conformance/flows.ts';
import { checkRequest, checkResponse } from '../../src/conformance/inspect.ts';
import { anyOf, array, checkShape, nil, number, object, oneOf, opt, req, string } from '../../src/conformance/shape.ts';
import { API_PREFIX, endpoint, endpointOfPath, ENDPOINTS } from '../../src/conformance/shapes.ts';
import { parseJsonExact } from '../../src/lib/json.ts';
import { hmacSha512UpperHex, signaturePayload } from '../../src/lib/signature.ts';

const parse = (text: string) => {
  const r = parseJsonExact(text);
  if (!r.ok) throw new Error(r.message);
  return r.value;
};

const shape = object({
  id: req(string({ format: 'digits' })),
  amount: req(string({ format: 'decimal8' })),
  count: req(number('integer')),
  status: req(oneOf(['A', 'B'])),
  note: opt(anyOf(string({ maxLength: 4 }), nil)),
  items: opt(array(object({ x: req(number()) }))),
});

describe('checkShape', () => {
  it('a value that fits has no difference', () => {
    expect(checkShape(parse('{"id":"123","amount":"1.50000000","count":2,"status":"A","note":null,"items":[{"x":1.5}]}'), shape, 'data')).toEqual([]);
  });

  it('finds each kind of difference at its path', () => {
    const diffs = checkShape(parse('{"id":"12a","amount":"1.5","count":"2","status":"C","note":"toolong","items":[{"x":"1"}],"extra":true}'), shape, 'data');
    expect(diffs.map((d) => [d.path, d.kind])).toEqual([
      ['data.id', 'format'],
      ['data.amount', 'format'],
      ['data.count', 'type'],
      ['data.status', 'enum'],
      ['data.note', 'length'],
      ['data.items[0].x', 'type'],
      ['data.extra', 'unexpected'],
    ]);
    expect(checkShape(parse('{"amount":"1.50000000","count":2,"status":"A"}'), shape, 'data')).toEqual([expect.objectContaining({ path: 'data.id', kind: 'missing', actual: 'absent' })]);
  });

  it('numbers are judged by their literal: integers, 8 decimals, and 1e-8 is not an amount', () => {
    expect(checkShape(parse('1.0'), number('integer'), 'n')).toHaveLength(1);
    expect(checkShape(parse('10.50000000'), number('decimal8'), 'n')).toEqual([]);
    expect(checkShape(parse('10.5'), number('decimal8'), 'n')).toHaveLength(1);
    expect(checkShape(parse('1e-8'), number('amount'), 'n')).toHaveLength(1);
    expect(checkShape(parse('0E-8'), number('decimal'), 'n')).toEqual([]);
  });

  it('request mode: null and "" are absent, unknown members are warnings', () => {
    const diffs = checkShape(parse('{"id":"","amount":"1.50000000","count":2,"status":"A","note":null,"typo":1}'), shape, 'request.body', { mode: 'request' });
    expect(diffs).toEqual([
      expect.objectContaining({ path: 'request.body.id', kind: 'missing', severity: 'error' }),
      expect.objectContaining({ path: 'request.body.typo', kind: 'unexpected', severity: 'warning' }),
    ]);
  });
});

describe('checkResponse and checkRequest', () => {
  it('envelope rules: SUCCESS needs 000000 and HTTP 200; FAIL carries a known code and HTTP 400', () => {
    const certificates = endpoint('certificates');
    expect(checkResponse(certificates, 200, '{"status":"SUCCESS","code":"000000","data":[],"errorMessage":""}').differences).toEqual([]);
    expect(checkResponse(certificates, 200, '{"status":"SUCCESS","code":"000001","data":[]}').differences).toEqual([expect.objectContaining({ path: 'code', kind: 'value' })]);
    expect(checkResponse(certificates, 500, '{"status":"SUCCESS","code":"000000","data":[]}').differences).toEqual([expect.objectContaining({ path: 'http', kind: 'status' })]);
    expect(checkResponse(certificates, 400, '{"status":"FAIL","code":"400002","errorMessage":"x","hint":"y"}')).toMatchObject({ differences: [], extensions: ['hint'] });
    expect(checkResponse(certificates, 400, '{"status":"FAIL","code":"499999","errorMessage":"x"}').differences).toEqual([expect.objectContaining({ path: 'code', severity: 'warning' })]);
    expect(checkResponse(certificates, 403, '<html>CloudFront</html>').differences).toEqual([expect.objectContaining({ path: 'body', kind: 'type' })]);
    expect(checkResponse(certificates, 400, '{"status":"ERROR","type":"SYS","code":"100001001","errorData":"System abnormality"}').differences).toEqual([]);
  });

  it('request rules: headers, signature (with the secret), body fields', () => {
    const secret = 'abcd1234';
    const body = '{"wallet":"FUNDING_WALLET","currency":"USDT"}';
    const headers = (signature: string) => ({ 'content-type': 'application/json', 'binancepay-timestamp': '1700000000000', 'binancepay-nonce': 'A'.repeat(32), 'binancepay-certificate-sn': 'k'.repeat(64), 'binancepay-signature': signature });
    const good = hmacSha512UpperHex(secret, signaturePayload('1700000000000', 'A'.repeat(32), body));
    const input = (signature: string, text = body) => ({ method: 'POST', path: `${API_PREFIX}/balance`, headers: headers(signature), body: Buffer.from(text), endpoint: endpoint('balanceV1'), secretOf: () => secret, nowMs: 1_700_000_000_500 });
    expect(checkRequest(input(good))).toMatchObject({ differences: [], signatureValid: true });
    const lower = checkRequest(input(good.toLowerCase()));
    expect(lower.signatureValid).toBe(false);
    expect(lower.differences.map((d) => d.actual)).toContain('the right HMAC in lower case (Binance wants upper case)');
    const tampered = checkRequest(input(good, '{"wallet":"SPOT","currency":"USDT"}'));
    expect(tampered.differences.map((d) => d.path)).toEqual(['request.header.BinancePay-Signature', 'request.body.wallet']);
    expect(checkRequest({ ...input(good), nowMs: 1_700_000_000_000 + 120_000 }).differences).toEqual([expect.objectContaining({ path: 'request.header.BinancePay-Timestamp' })]);
  });
});

describe('the shapes registry', () => {
  it('names and paths are unique, under the API prefix, and found by path', () => {
    expect(new Set(ENDPOINTS.map((e) => e.name)).size).toBe(ENDPOINTS.length);
    expect(new Set(ENDPOINTS.map((e) => e.path)).size).toBe(ENDPOINTS.length);
    for (const e of ENDPOINTS) {
      expect(e.path.startsWith(`${API_PREFIX}/`)).toBe(true);
      expect(endpointOfPath(`${e.path}/?x=1`)).toBe(e);
      expect(e.source).toMatch(/^§\d/);
    }
  });

  it('every flow step names an endpoint of the registry, once per flow', () => {
    for (const flow of FLOWS) {
      expect(new Set(flow.plan.map((s) => s.name)).size, flow.name).toBe(flow.plan.length);
      for (const s of flow.plan) expect(() => endpoint(s.endpoint), `${flow.name} / ${s.name}`).not.toThrow();
    }
  });
});
