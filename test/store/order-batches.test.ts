/**
 * New orders are inserted in batches (orderInserter in src/store/orders-repo.ts): the orders of one
 * event-loop turn share one multi-row insert. Each caller must still get its own answer: inserted,
 * merchantTradeNo taken (inside the batch or by an earlier one), or its own error when the
 * database refuses its row, without failing the others of its batch. Order reads are batched too
 * on PostgreSQL (orderReader): each caller gets its own order, or nothing for an unknown prepayId.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Order } from '../../src/domain/order.ts';
import { findOrderByPrepayId, orderInserter, orderReader, type OrderInserter } from '../../src/store/orders-repo.ts';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder } from '../helpers/endpoints.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

describeEachDialect('order insert batches', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;
  let template: Order;
  let insert: OrderInserter;
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: 'Batch Shop' });
    const prepayId = await createOrder(server, merchant);
    const found = await findOrderByPrepayId(server.db.store.db, prepayId);
    if (!found) throw new Error('template order missing');
    template = found;
    insert = orderInserter(server.db.store, { maxInFlight: 2 });
  });
  afterAll(async () => server?.close());

  const fresh = (overrides: Partial<Order> = {}): Order => {
    n++;
    return { ...template, prepayId: `${Date.now()}${String(n).padStart(6, '0')}`, merchantTradeNo: `batch${Date.now()}x${n}`, linkToken: `${Date.now().toString(16)}${n}`.padEnd(32, 'b'), ...overrides };
  };
  const stored = async (o: Order) => (await findOrderByPrepayId(server.db.store.db, o.prepayId)) !== undefined;

  it('answers every order of one batch, the first of two with one merchantTradeNo winning', async () => {
    const orders = Array.from({ length: 12 }, () => fresh());
    const twin = fresh({ merchantTradeNo: orders[3]?.merchantTradeNo ?? '' });
    const answers = await Promise.all([...orders, twin].map((o) => insert(o)));
    expect(answers).toEqual([...orders.map(() => true), false]);
    for (const o of orders) expect(await stored(o)).toBe(true);
    expect(await stored(twin)).toBe(false);
  });

  it('answers false for a merchantTradeNo an earlier batch took', async () => {
    const first = fresh();
    expect(await insert(first)).toBe(true);
    expect(await insert(fresh({ merchantTradeNo: first.merchantTradeNo }))).toBe(false);
  });

  it('fails only the order the database refuses and inserts the rest of its batch', async () => {
    const good = [fresh(), fresh(), fresh()];
    const bad = fresh({ merchantId: 987_654_321 }); // no such merchant: the foreign key refuses it
    const answers = await Promise.allSettled([good[0], bad, good[1], good[2]].map((o) => insert(o as Order)));
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    for (const o of good) expect(await stored(o)).toBe(true);
    expect(await stored(bad)).toBe(false);
  });

  it('answers each read of one batch with its own order, the same order twice, and nothing for an unknown one', async () => {
    const orders = Array.from({ length: 5 }, () => fresh());
    for (const o of orders) expect(await insert(o)).toBe(true);
    const read = orderReader(server.db.store, { maxInFlight: 2 });
    const wanted = [...orders.map((o) => o.prepayId), orders[0]?.prepayId ?? '', '1', orders[4]?.prepayId ?? ''];
    const answers = await Promise.all(wanted.map((id) => read(id)));
    expect(answers.map((o) => o?.prepayId)).toEqual([...orders.map((o) => o.prepayId), orders[0]?.prepayId, undefined, orders[4]?.prepayId]);
    expect(answers[2]?.merchantTradeNo).toBe(orders[2]?.merchantTradeNo);
  });

  it('fails only the read of a prepayId the database cannot take, not the others of its batch', async () => {
    const order = fresh();
    expect(await insert(order)).toBe(true);
    const read = orderReader(server.db.store, { maxInFlight: 2 });
    const answers = await Promise.allSettled([read(order.prepayId), read('12\u00003'), read(order.prepayId)]);
    expect(answers[0]).toMatchObject({ status: 'fulfilled', value: { prepayId: order.prepayId } });
    expect(answers[2]).toMatchObject({ status: 'fulfilled', value: { prepayId: order.prepayId } });
    // PostgreSQL text cannot hold a NUL byte; SQLite simply finds no such order
    expect(answers[1]?.status).toBe(dialect === 'postgres' ? 'rejected' : 'fulfilled');
  });
});
