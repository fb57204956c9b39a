/**
 * Process entry: config → buildApp → listen → workers → banner; SIGINT/SIGTERM close gracefully
 * (stop accepting, finish in-flight requests, stop workers, close the store).
 */
import { buildApp } from './app.ts';
import { loadConfig, type ConfigFlags } from './config/config.ts';

export async function serve(flags: ConfigFlags = {}): Promise<void> {
  const config = loadConfig(process.env, flags);
  const built = await buildApp({ config });
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
  process.stdout.write(banner + '\n');
}
