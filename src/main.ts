/**
 * Process entry: config → buildApp → listen → workers → banner; SIGINT/SIGTERM close gracefully
 * (stop accepting, finish in-flight requests, stop workers, close the store).
 */
import { buildApp } from './app.ts';
import { loadConfig, type ConfigFlags } from './config/config.ts';
import { startWorkers } from './workers/index.ts';

export async function serve(flags: ConfigFlags = {}): Promise<void> {
  const config = loadConfig(process.env, flags);
  const built = await buildApp({ config });
  const { app } = built;
  const workers = config.workers ? startWorkers(built.deps, config.workerIntervalMs) : undefined;
  if (workers) built.hooks.afterTimeMoved = () => workers.runAll();

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    try {
      await workers?.stop();
      await built.close();
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
