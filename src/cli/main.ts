/**
 * The `bpay` command. `serve` runs the server; every other command talks to a running server
 * through the admin API. With --json a command prints exactly one JSON document on stdout
 * (on failure: {"status":"FAIL","code":…,"errorMessage":…}) and nothing else.
 */
import { Command, CommanderError, Option } from 'commander';
import { AdminClient, CliError, type GlobalOptions } from './admin-client.ts';
import { registerCommands } from './commands.ts';
import { registerConformanceCommands } from './conformance-commands.ts';
import { registerSandboxCommands } from './sandbox-commands.ts';
import { registerWebhookCommands } from './webhook-commands.ts';
import packageJson from '../../package.json' with { type: 'json' };

const program = new Command();
program
  .name('bpay')
  .version(packageJson.version, '-V, --version', 'print the version of binance-pay-server')
  .description('binance-pay-server: a self-hostable Binance Pay merchant API with a real wallet ledger')
  .option('--url <url>', 'server URL (default $BPAY_URL or http://127.0.0.1:$PORT|8080)')
  .option('--admin-token <token>', 'admin token (default $BPAY_ADMIN_TOKEN or <data>/admin-token)')
  .option('--data <dir>', 'data directory (default $BPAY_DATA_DIR or ./data)')
  .showHelpAfterError()
  // Usage errors throw instead of exiting, so --json can answer them with one JSON document too.
  // Both settings are inherited by every command registered below.
  .exitOverride()
  .configureOutput(wantsJson(process.argv) ? { writeErr: () => undefined } : {});

program
  .command('serve')
  .description('run the server (SQLite in the data dir unless --db/DATABASE_URL points at PostgreSQL)')
  .option('--port <port>', 'port (default $PORT or 8080)')
  .option('--host <host>', 'interface (default $HOST or 127.0.0.1)')
  .option('--db <url>', 'postgres://… database URL (default $DATABASE_URL; none = SQLite)')
  .option('--strict', 'strict Binance fidelity: 1 s timestamp window, no signature debugger')
  .addOption(new Option('--no-demo', 'do not create/print the demo merchant and payer'))
  .option('--replay <cassette>', 'answer recorded requests from a cassette (bpay proxy --record) and seed its orders and refunds')
  .option('--replay-key <apiKey>', 'with --replay: the API key the recorded app uses (default: a generated one, printed)')
  .option('--replay-secret <apiSecret>', 'with --replay: its secret')
  .action(async (opts: { port?: string; host?: string; db?: string; strict?: boolean; demo?: boolean; replay?: string; replayKey?: string; replaySecret?: string }) => {
    const globals = program.opts<GlobalOptions>();
    if (opts.replay === undefined && (opts.replayKey !== undefined || opts.replaySecret !== undefined)) program.error('--replay-key and --replay-secret need --replay', { exitCode: 2, code: 'commander.usage' });
    if ((opts.replayKey === undefined) !== (opts.replaySecret === undefined)) program.error('give both --replay-key and --replay-secret, or neither', { exitCode: 2, code: 'commander.usage' });
    const { serve } = await import('../main.ts');
    const replay = opts.replay === undefined ? undefined : { cassette: opts.replay, apiKey: opts.replayKey ?? process.env.BPAY_REPLAY_API_KEY, apiSecret: opts.replaySecret ?? process.env.BPAY_REPLAY_API_SECRET };
    await serve({
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.host !== undefined ? { host: opts.host } : {}),
      ...(globals.data !== undefined ? { data: globals.data } : {}),
      ...(opts.db !== undefined ? { db: opts.db } : {}),
      ...(opts.strict ? { strict: true } : {}),
      ...(opts.demo === false ? { demo: false } : {}),
    }, replay);
  });

export interface CommandContext {
  client: () => AdminClient;
  /** Prints the result: one JSON document with --json, else `human(data)`. */
  output: (json: boolean | undefined, data: unknown, human?: (data: never) => string) => void;
}

const context: CommandContext = {
  client: () => AdminClient.from(program.opts<GlobalOptions>()),
  output(json, data, human) {
    if (json || !human) process.stdout.write(JSON.stringify(data, null, json ? undefined : 2) + '\n');
    else process.stdout.write(human(data as never) + '\n');
  },
};
registerCommands(program, context);
registerSandboxCommands(program, context);
registerWebhookCommands(program, context);
registerConformanceCommands(program, context);

function wantsJson(argv: string[]): boolean {
  return argv.includes('--json');
}

/** Exit codes: 0 success or --help, 1 a failed command, 2 a usage error (commander's own). */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help / --version: already printed; anything else is a usage error commander has described on stderr
    if (error.exitCode === 0) {
      process.exitCode = 0;
    } else {
      if (wantsJson(process.argv)) {
        const message = error.code === 'commander.help' ? 'missing command: see bpay --help' : error.message.replace(/^error: /, '');
        process.stdout.write(JSON.stringify({ status: 'FAIL', code: 'USAGE', errorMessage: message }) + '\n');
      }
      process.exitCode = EXIT_USAGE;
    }
  } else {
    failed(error);
  }
}

function failed(error: unknown): void {
  const cliError = error instanceof CliError ? error : new CliError('ERROR', error instanceof Error ? error.message : String(error));
  if (wantsJson(process.argv)) process.stdout.write(JSON.stringify({ status: 'FAIL', code: cliError.code, errorMessage: cliError.message }) + '\n');
  else process.stderr.write(`bpay: ${cliError.message}${cliError.code && cliError.code !== 'ERROR' ? ` (${cliError.code})` : ''}\n`);
  process.exitCode = EXIT_FAILURE;
}
