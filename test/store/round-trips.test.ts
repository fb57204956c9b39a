/**
 * Socket writes to PostgreSQL per use case (each a round trip and a backend wake-up), counted on a
 * real server through real HTTP: what docs/architecture.md and docs/deployment.md promise. A
 * statement issued alone where it could have gone out with others makes these fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processPendingRefunds } from '../../src/services/refunds.ts';
import { postgres } from '../helpers/dialects.ts';
import { createOrder, paidOrder } from '../helpers/endpoints.ts';
import { countPostgresWrites } from '../helpers/pg-writes.ts';
import { createPayer, pay } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

// SQLite runs in process: nothing to count there
(postgres.ok ? describe : describe.skip)(`[postgres] round trips${postgres.ok ? '' : ` (skipped: ${postgres.reason})`}`, () => {
  const dialect = 'postgres';
  let server: TestServer;
  let merchant: MerchantCredentials;
  let payer: string;
  let written = { count: 0 };

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant();
    payer = (await createPayer(server, ['1000:USDT'])).binanceId;
  });
  afterAll(async () => server?.close());

  const writesOf = async (fn: () => Promise<unknown>) => {
    written.count = 0;
    await fn();
    return written.count;
  };

  it('a payment: at most 4 (BEGIN with the payer, lock and reads; update, event and debit pick; shards and journal; COMMIT)', async () => {
    written = countPostgresWrites();
    // the first payment creates the accounts; later ones know them
    await pay(server, await createOrder(server, merchant), payer);
    const prepayId = await createOrder(server, merchant);
    expect(await writesOf(() => pay(server, prepayId, payer))).toBeLessThanOrEqual(4);
  });

  it('a refund: at most 1 for the nonce and 4 for its transaction; its settlement: at most 1 to find it and 3 to settle it (COMMIT with the last statements)', async () => {
    written = countPostgresWrites();
    const refund = (prepayId: string, n: number) => server.client(merchant).call('/binancepay/openapi/order/refund', { refundRequestId: `RT${Date.now()}${n}`, prepayId, refundAmount: '1' });
    await refund(await paidOrder(server, merchant), 0);
    await processPendingRefunds(server.built.deps);
    const prepayId = await paidOrder(server, merchant);
    expect(await writesOf(() => refund(prepayId, 1))).toBeLessThanOrEqual(5);
    expect(await writesOf(() => processPendingRefunds(server.built.deps))).toBeLessThanOrEqual(4);
  });
});
