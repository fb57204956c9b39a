/**
 * The nonce recorder on its own (src/store/nonces-repo.ts), both dialects: the items of one batch
 * share one insert; of two identical items in one batch the first is recorded and the second is its
 * replay; a nonce recorded by an earlier batch is a replay; other keys' same nonce is not.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { nonceRecorder } from '../../src/store/nonces-repo.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../helpers/dialects.ts';

describeEachDialect('nonce recorder', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(dialect);
  });
  afterAll(async () => t.drop());

  const item = (apiKey: string, nonce: string) => ({ apiKey, nonce, expiresAtMs: Date.now() + 60_000 });
  const rows = async () => Number((await t.store.db.selectFrom('request_nonces').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('records the first of two identical nonces in one batch and answers the second as a replay', async () => {
    const recorder = nonceRecorder(t.store, { maxInFlight: 1 });
    // issued in one turn of the event loop: one batch
    const answers = await Promise.all([recorder.record(item('k1', 'n1')), recorder.record(item('k1', 'n1')), recorder.record(item('k2', 'n1')), recorder.record(item('k1', 'n2'))]);
    expect(answers.map((a) => a !== undefined)).toEqual([true, false, true, true]);
    expect(answers[0]).toMatchObject({ epoch: expect.any(BigInt), clockOffsetMs: 0 });
    expect(await rows()).toBe(3);
    // a later batch: the recorded nonce is a replay, a new one is recorded
    const later = await Promise.all([recorder.record(item('k1', 'n1')), recorder.record(item('k1', 'n3'))]);
    expect(later.map((a) => a !== undefined)).toEqual([false, true]);
    expect(await rows()).toBe(4);
  });
});
