import { describe, expect, it } from 'vitest';
import { CertificateStore, type Certificate } from '../src/index.ts';

const cert = (serial: string): Certificate => ({ certSerial: serial, certPublic: `PEM-${serial}` });

function fakeSource(initial: Certificate[]) {
  const state = { certs: initial, calls: 0, release: undefined as (() => void) | undefined, gate: false };
  const fetcher = async (): Promise<Certificate[]> => {
    state.calls++;
    if (state.gate) await new Promise<void>((resolve) => (state.release = resolve));
    return state.certs;
  };
  return { state, fetcher };
}

describe('CertificateStore', () => {
  it('caches for ttlMs, then refetches', async () => {
    let now = 1_000;
    const { state, fetcher } = fakeSource([cert('A')]);
    const store = new CertificateStore(fetcher, { ttlMs: 100, now: () => now });
    expect(await store.get('A')).toEqual(cert('A'));
    expect(await store.get('a')).toEqual(cert('A')); // serial match is case-insensitive
    now += 99;
    await store.get('A');
    expect(state.calls).toBe(1);
    now += 1;
    await store.get('A');
    expect(state.calls).toBe(2);
  });

  it('defaults to a 1 h TTL', async () => {
    let now = 0;
    const { state, fetcher } = fakeSource([cert('A')]);
    const store = new CertificateStore(fetcher, { now: () => now });
    await store.get('A');
    now = 3_599_999;
    await store.get('A');
    expect(state.calls).toBe(1);
    now = 3_600_000;
    await store.get('A');
    expect(state.calls).toBe(2);
  });

  it('refetches on an unknown serial (key rotation) and finds the new key', async () => {
    const { state, fetcher } = fakeSource([cert('OLD')]);
    const store = new CertificateStore(fetcher);
    expect(await store.get('OLD')).toEqual(cert('OLD'));
    state.certs = [cert('NEW'), cert('OLD')];
    expect(await store.get('NEW')).toEqual(cert('NEW'));
    expect(state.calls).toBe(2);
    expect(await store.get('NOPE')).toBeUndefined();
    expect(state.calls).toBe(3);
  });

  it('minRefetchIntervalMs throttles refetches caused by unknown serials', async () => {
    let now = 0;
    const { state, fetcher } = fakeSource([cert('A')]);
    const store = new CertificateStore(fetcher, { now: () => now, minRefetchIntervalMs: 30_000 });
    await store.get('A');
    expect(await store.get('FORGED')).toBeUndefined();
    expect(state.calls).toBe(1);
    now = 30_000;
    await store.get('FORGED');
    expect(state.calls).toBe(2);
  });

  it('keeps at most one fetch in flight', async () => {
    const { state, fetcher } = fakeSource([cert('A'), cert('B')]);
    state.gate = true;
    const store = new CertificateStore(fetcher);
    const pending = [store.get('A'), store.get('B'), store.get('C'), store.list()];
    await Promise.resolve();
    expect(state.calls).toBe(1);
    state.release?.();
    const [a, b, c, list] = await Promise.all(pending);
    expect(a).toEqual(cert('A'));
    expect(b).toEqual(cert('B'));
    expect(c).toBeUndefined();
    expect(list).toHaveLength(2);
    expect(state.calls).toBe(1);
  });

  it('propagates fetch errors and recovers on the next call', async () => {
    let fail = true;
    const store = new CertificateStore(async () => {
      if (fail) throw new Error('boom');
      return [cert('A')];
    });
    await expect(store.get('A')).rejects.toThrow('boom');
    fail = false;
    await expect(store.get('A')).resolves.toEqual(cert('A'));
  });

  it('rejects a response that is not a certificate list', async () => {
    const store = new CertificateStore(async () => [{ certSerial: 1 }] as unknown as Certificate[]);
    await expect(store.list()).rejects.toThrow(TypeError);
  });

  it('accepts anything with getCertificates() (e.g. a BinancePayClient); clear() forgets', async () => {
    let calls = 0;
    const store = new CertificateStore({
      getCertificates: async () => {
        calls++;
        return [cert('A')];
      },
    });
    await store.list();
    store.clear();
    await store.list();
    expect(calls).toBe(2);
  });
});
