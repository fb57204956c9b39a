/**
 * Process entry: config → buildApp → listen → workers → banner; SIGINT/SIGTERM close gracefully
 * (stop accepting, finish in-flight requests, stop workers, close the store).
 */
import { buildApp } from './app.ts';
import { loadConfig, type ConfigFlags } from './config/config.ts';
import { readCassette } from './conformance/cassette.ts';
import { ReplayBook, seedReplay, type SeedResult } from './http/binancepay/replay.ts';

export interface ReplayOptions {
  /** the cassette file `bpay proxy --record` wrote */
  cassette: string;
  /** the recorded app's key and secret (default: the replay merchant's own) */
  apiKey?: string | undefined;
  apiSecret?: string | undefined;
}

export async function serve(flags: ConfigFlags = {}, replayOptions?: ReplayOptions): Promise<void> {
  const config = loadConfig(process.env, flags);
  const replay = replayOptions ? new ReplayBook(readCassette(replayOptions.cassette)) : undefined;
  const built = await buildApp({ config, ...(replay ? { replay } : {}) });
  // the recorded state exists before the first request can ask for it
  const seeded = replay && replayOptions ? await seedReplay(built.deps, replay.cassette, { apiKey: replayOptions.apiKey, apiSecret: replayOptions.apiSecret }) : undefined;
  if (replay && seeded) replay.bind(seeded.merchantId);
  const { app } = built;
  built.workers.start(config.workerIntervalMs, { clockOnly: !config.workers });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) {
      // a second signal: the operator does not want to wait
      app.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal, timeoutMs: config.shutdownTimeoutMs, delayMs: config.shutdownDelayMs }, 'shutting down: finishing in-flight requests and webhook attempts');
    try {
      await built.close({ timeoutMs: config.shutdownTimeoutMs, delayMs: config.shutdownDelayMs });
      app.log.info('shut down');
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const banner = await built.banner(port);
  process.stdout.write(banner + '\n' + (replay && seeded && replayOptions ? replayBanner(replayOptions.cassette, replay, seeded) : ''));
}

function replayBanner(path: string, book: ReplayBook, seeded: SeedResult): string {
  const lines = [
    '',
    `Replaying ${path}: ${book.size} recorded answers for merchant ${seeded.merchantId}; other requests are simulated`,
    `  apiKey      ${seeded.apiKey}`,
    `  apiSecret   ${seeded.apiSecret}`,
    `  seeded      ${seeded.orders} orders, ${seeded.refunds} refunds`,
    ...seeded.notSeeded.map((n) => `  not seeded  #${n.seq} ${n.path}: ${n.reason}`),
  ];
  return lines.join('\n') + '\n';
}
