/**
 * Nonces are recorded in batches (src/store/nonces-repo.ts): requests arriving together share one
 * insert. Replay protection must hold inside a batch, across batches and across nodes.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { startSecondNode, startTestServer, type MerchantCredentials, type SecondNode, type TestServer } from '../helpers/server.ts';

const PATH = '/binancepay/openapi/certificates';

describeEachDialect('nonce batches', (dialect) => {
  let a: TestServer;
  let b: SecondNode;
  let merchant: MerchantCredentials;

  beforeAll(async () => {
    a = await startTestServer(dialect);
    b = await startSecondNode(a);
    merchant = await a.createMerchant();
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  /** One signed request, frozen: sending it again is a replay. */
  const frozen = () => {
    const timestamp = String(Date.now());
    const nonce = randomBytes(16).toString('hex');
    const signature = createHmac('sha512', merchant.apiSecret).update(`${timestamp}\n${nonce}\n{}\n`).digest('hex').toUpperCase();
    return { rawBody: '{}', timestamp, nonce, signature };
  };
  const codes = (answers: Array<{ envelope?: { code?: string } | null | undefined }>) => answers.map((r) => r.envelope?.code ?? 'none').sort();
  const nonceRows = async () => Number((await a.db.store.db.selectFrom('request_nonces').select((eb) => eb.fn.countAll().as('n')).where('api_key', '=', merchant.apiKey).executeTakeFirstOrThrow()).n);

  it('serves the same signed request sent 20 times at once exactly once', async () => {
    const request = frozen();
    const client = a.client(merchant);
    const answers = await Promise.all(Array.from({ length: 20 }, () => client.request(PATH, undefined, request)));
    expect(codes(answers)).toEqual(['000000', ...Array<string>(19).fill('400001')]);
  });

  it('serves 100 distinct requests sent at once, and records every nonce', async () => {
    const before = await nonceRows();
    const client = a.client(merchant);
    const answers = await Promise.all(Array.from({ length: 100 }, () => client.request(PATH, {})));
    expect(codes(answers)).toEqual(Array<string>(100).fill('000000'));
    expect(await nonceRows()).toBe(before + 100);
  });

  it('serves a request sent to two nodes at once exactly once', async () => {
    const clients = [a.client(merchant), b.client(merchant)];
    for (let round = 0; round < 5; round++) {
      const request = frozen();
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => clients[i % 2]!.request(PATH, undefined, request)));
      expect(codes(answers)).toEqual(['000000', ...Array<string>(9).fill('400001')]);
    }
  });

  it('refuses a replay of a nonce recorded in an earlier batch', async () => {
    const request = frozen();
    const client = a.client(merchant);
    expect((await client.request(PATH, undefined, request)).envelope?.code).toBe('000000');
    const answers = await Promise.all(Array.from({ length: 5 }, () => client.request(PATH, undefined, request)));
    expect(codes(answers)).toEqual(Array<string>(5).fill('400001'));
  });
});
