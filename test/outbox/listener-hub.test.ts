/**
 * The in-memory side of `bpay listen`: an attempt pushed to listeners ends when one reports, when
 * all of them have gone, when its wait runs out, or at shutdown — never later, never twice.
 */
import { describe, expect, it } from 'vitest';
import type { PushedAttempt } from '../../src/domain/webhook.ts';
import { ListenerHub, type LocalListener, type StartTimer } from '../../src/outbox/listener-hub.ts';

/** Timers the test fires by hand: what was asked for, and whether it was cancelled. */
function manualTimers() {
  const timers: Array<{ fire: () => void; ms: number; cancelled: boolean }> = [];
  const start: StartTimer = (fire, ms) => {
    const t = { fire, ms, cancelled: false };
    timers.push(t);
    return () => void (t.cancelled = true);
  };
  return { timers, start };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((r) => setImmediate(r));

function listener(id: string, merchantId = 1, sent: Array<[string, string]> = [], fail = false): LocalListener {
  let closed = false;
  return {
    listenerId: id,
    merchantId,
    forwardTo: null,
    sink: {
      send(event, data) {
        if (fail || closed) throw new Error('gone');
        sent.push([event, data]);
      },
      close() {
        closed = true;
      },
    },
  };
}

const attempt = (attemptId: string): PushedAttempt => ({
  attemptId,
  eventId: '1',
  attemptNo: 1,
  merchantId: 1,
  bizType: 'PAY',
  bizId: '1309616908067139602',
  bizStatus: 'PAY_SUCCESS',
  webhookUrl: null,
  headers: { 'content-type': 'application/json' },
  body: '{}',
  forwardTimeoutMs: 10,
  reportWithinMs: 50,
});

describe('ListenerHub', () => {
  it('pushes to every listener of the merchant and ends with the first report', async () => {
    const hub = new ListenerHub();
    const sentA: Array<[string, string]> = [];
    const sentB: Array<[string, string]> = [];
    hub.add(listener('a', 1, sentA));
    hub.add(listener('b', 1, sentB));
    hub.add(listener('c', 2));
    expect(hub.forMerchant(1).map((l) => l.listenerId)).toEqual(['a', 'b']);
    expect(hub.merchants().sort()).toEqual([1, 2]);
    const waiting = hub.push(attempt('7'), hub.forMerchant(1), 5_000);
    expect(sentA).toEqual([['attempt', JSON.stringify(attempt('7'))]]);
    expect(sentB).toEqual(sentA);
    hub.signal('7');
    hub.signal('7'); // a second report changes nothing
    expect(await waiting).toBe('reported');
  });

  it('times out when nobody reports, when its wait runs out and not before', async () => {
    const { timers, start } = manualTimers();
    const hub = new ListenerHub(start);
    hub.add(listener('a'));
    let result: string | undefined;
    const waiting = hub.push(attempt('1'), hub.forMerchant(1), 50).then((r) => (result = r));
    expect(timers.map((t) => t.ms)).toEqual([50]);
    await settle();
    expect(result).toBeUndefined();
    timers[0]?.fire();
    expect(await waiting).toBe('timeout');
    // a report after the timeout changes nothing; a reported attempt cancels its timer
    hub.signal('1');
    expect(result).toBe('timeout');
    const reported = hub.push(attempt('2'), hub.forMerchant(1), 50);
    hub.signal('2');
    expect(await reported).toBe('reported');
    expect(timers[1]?.cancelled).toBe(true);
  });

  it('fails at once when every listener it went to disconnects, not before', async () => {
    const hub = new ListenerHub();
    hub.add(listener('a'));
    hub.add(listener('b'));
    let result: string | undefined;
    const waiting = hub.push(attempt('1'), hub.forMerchant(1), 5_000).then((r) => (result = r));
    hub.remove('a');
    await settle();
    expect(result).toBeUndefined();
    hub.remove('b');
    expect(await waiting).toBe('disconnected');
    expect(hub.size).toBe(0);
  });

  it('fails at once with no reachable listener', async () => {
    const hub = new ListenerHub();
    const broken = listener('x', 1, [], true);
    hub.add(broken);
    expect(await hub.push(attempt('1'), [broken], 5_000)).toBe('disconnected');
    expect(await hub.push(attempt('2'), [], 5_000)).toBe('disconnected');
  });

  it('ends waiting attempts and refuses new listeners at shutdown', async () => {
    const hub = new ListenerHub();
    hub.add(listener('a'));
    const waiting = hub.push(attempt('1'), hub.forMerchant(1), 5_000);
    hub.closeAll();
    expect(await waiting).toBe('shutdown');
    hub.add(listener('late'));
    expect(hub.size).toBe(0);
  });
});
