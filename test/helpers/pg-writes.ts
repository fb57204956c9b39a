/**
 * Counts socket writes to the test PostgreSQL server (each a round trip and a backend wake-up)
 * for the rest of the current test: `count` is read and reset by the test.
 */
import { Socket } from 'node:net';
import { onTestFinished } from 'vitest';
import { TEST_DATABASE_URL } from './dialects.ts';

export function countPostgresWrites(): { count: number } {
  const written = { count: 0 };
  const postgresPort = Number(new URL(TEST_DATABASE_URL).port || 5432);
  const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (this: Socket, ...args: unknown[]) => unknown>;
  const originals = { _write: proto._write, _writev: proto._writev };
  for (const method of ['_write', '_writev'] as const) {
    const original = originals[method];
    proto[method] = function (this: Socket, ...args: unknown[]) {
      if (this.remotePort === postgresPort) written.count++;
      return original.apply(this, args);
    };
  }
  onTestFinished(() => void Object.assign(proto, originals));
  return written;
}
