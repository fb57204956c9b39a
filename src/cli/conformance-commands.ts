/**
 * `bpay conformance` (the kit against any base URL, docs/conformance.md) and `bpay proxy` (the
 * validation proxy, optionally recording a cassette for `bpay serve --replay`).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { ADMIN_TOKEN_FILE, readSecretIfExists } from '../config/data-dir.ts';
import { FLOWS } from '../conformance/flows.ts';
import { renderJson, renderMarkdown, renderTable, summaryLine } from '../conformance/report.ts';
import { describePlan, runKit, selectFlows, type FlowFamily } from '../conformance/runner.ts';
import { SandboxAdmin } from '../conformance/sandbox.ts';
import { FAMILIES } from '../conformance/shapes.ts';
import { buildProxy, PROXY_PREFIX } from '../http/proxy/proxy.ts';
import { CliError, type GlobalOptions } from './admin-client.ts';
import type { CommandContext } from './main.ts';

const ALL_FAMILIES: readonly FlowFamily[] = [...FAMILIES, 'errors'];

function families(value: string): FlowFamily[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = list.filter((f) => !ALL_FAMILIES.includes(f as FlowFamily));
  if (unknown.length > 0 || list.length === 0) throw new InvalidArgumentError(`unknown famil${unknown.length === 1 ? 'y' : 'ies'} ${unknown.join(', ') || '(none)'}; choose from ${ALL_FAMILIES.join(', ')}`);
  return list as FlowFamily[];
}

function amountText(value: string): string {
  if (!/^\d+(\.\d{1,8})?$/.test(value) || /^0+(\.0+)?$/.test(value)) throw new InvalidArgumentError('expected a positive decimal with at most 8 decimals, e.g. 0.00000001');
  return value;
}

/** `:8090`, `8090`, `0.0.0.0:8090`, `[::1]:8090` */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:(\[[^\]]+\]|[^:]*):)?(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new InvalidArgumentError('expected [HOST]:PORT, e.g. :8090 or 127.0.0.1:8090');
  const host = (match[1] ?? '').replace(/^\[|\]$/g, '') || '127.0.0.1';
  return { host, port };
}

const isLoopback = (url: string) => {
  try {
    return ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
};

interface ConformanceOptions {
  baseUrl?: string;
  key?: string;
  secret?: string;
  only?: FlowFamily[];
  allowMoney?: boolean;
  allowCreate?: boolean;
  yes?: boolean;
  paidOrder?: string;
  payoutReceiver?: string;
  amount?: string;
  currency?: string;
  plan?: boolean;
  json?: boolean;
  markdown?: boolean;
  report?: string;
}

export function registerConformanceCommands(program: Command, ctx: CommandContext): void {
  // a usage error: exit code 2, and with --json the one FAIL document (src/cli/main.ts)
  const usage = (message: string): never => program.error(message, { exitCode: 2, code: 'commander.usage' });
  program
    .command('conformance')
    .description('run the conformance kit against a Binance Pay base URL (this server or production) and report every structural difference')
    .option('--base-url <url>', 'the API to test, e.g. https://bpay.binanceapi.com (default: --url, $BPAY_URL or http://127.0.0.1:8080)')
    .option('--key <apiKey>', 'merchant API key (default $BINANCE_PAY_API_KEY; against a sandbox a fresh merchant is created when absent)')
    .option('--secret <apiSecret>', 'merchant API secret (default $BINANCE_PAY_API_SECRET)')
    .option('--only <families>', `comma-separated: ${ALL_FAMILIES.join(', ')}`, families)
    .option('--allow-money', 'run the steps that move real money (refund, payout, wallet transfer); printed before they run')
    .option('--allow-create', 'run the steps that create objects that cannot be deleted (sub-merchants)')
    .option('--yes', 'do not ask before money-moving steps')
    .option('--paid-order <prepayId>', 'production: a paid order the refund steps refund --amount of')
    .option('--payout-receiver <binanceId>', 'production: the Binance ID the payout steps pay --amount to')
    .option('--amount <decimal>', 'amount of orders and money-moving steps (default 0.00000001)', amountText)
    .option('--currency <asset>', 'currency of orders and money-moving steps (default USDT)')
    .option('--plan', 'print what would run, and run nothing')
    .option('--markdown', 'print the report as markdown')
    .option('--report <file>', 'also write the report to FILE (.json: JSON, anything else: markdown)')
    .option('--json', 'print the report as one JSON document')
    .action(async (opts: ConformanceOptions) => {
      const globals = program.opts<GlobalOptions>();
      const baseUrl = (opts.baseUrl ?? globals.url ?? process.env.BPAY_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8080}`).replace(/\/+$/, '');
      // the admin token never leaves for a host that is not this machine unless passed explicitly
      const dataToken = isLoopback(baseUrl) ? readSecretIfExists(resolve(globals.data ?? process.env.BPAY_DATA_DIR ?? './data'), ADMIN_TOKEN_FILE) : undefined;
      const sandbox = await SandboxAdmin.detect(baseUrl, globals.adminToken ?? process.env.BPAY_ADMIN_TOKEN ?? dataToken);
      let apiKey = opts.key ?? process.env.BINANCE_PAY_API_KEY;
      let apiSecret = opts.secret ?? process.env.BINANCE_PAY_API_SECRET;
      if ((apiKey === undefined || apiSecret === undefined) && sandbox) {
        const created = await sandbox.createMerchant('Conformance kit');
        apiKey = created.apiKey;
        apiSecret = created.apiSecret;
      }
      if (apiKey === undefined || apiSecret === undefined) {
        usage('pass --key and --secret (or BINANCE_PAY_API_KEY and BINANCE_PAY_API_SECRET); against this server, --admin-token lets the kit create a merchant');
        return;
      }
      const options = {
        credentials: { baseUrl, apiKey, apiSecret },
        sandbox,
        allowMoney: opts.allowMoney === true,
        allowCreate: opts.allowCreate === true,
        only: opts.only,
        paidOrder: opts.paidOrder,
        payoutReceiver: opts.payoutReceiver,
        amount: opts.amount,
        currency: opts.currency,
      };
      const plan = describePlan(selectFlows(FLOWS, opts.only), options);
      const say = (line: string) => (opts.json ? process.stderr : process.stdout).write(line + '\n');
      const target = sandbox ? 'a sandbox (its admin API answered): money is simulated, every step runs' : 'a live API: read-only and zero-money steps run; money and permanent objects need --allow-money / --allow-create';
      say(`bpay conformance: ${baseUrl} is ${target}.`);
      const risky = plan.filter((s) => s.runs && !sandbox && (s.risk === 'money' || s.risk === 'create'));
      if (opts.plan) {
        const rows = plan.map((s) => ({ flow: s.flow, step: s.name, endpoint: s.endpoint, risk: s.risk, runs: s.runs, what: s.what }));
        ctx.output(opts.json, { baseUrl, target: sandbox ? 'sandbox' : 'live', steps: rows }, (d: { steps: typeof rows }) =>
          d.steps.map((s) => `${s.runs ? 'run ' : 'skip'}  ${s.risk.padEnd(6)}  ${s.flow} / ${s.step}: ${s.what}`).join('\n'),
        );
        return;
      }
      if (risky.length > 0) {
        say(`These steps move real money or create permanent objects (amount ${opts.amount ?? '0.00000001'} ${opts.currency ?? 'USDT'}):`);
        for (const s of risky) say(`  ${s.risk.padEnd(6)} ${s.flow} / ${s.name}: ${s.what}`);
        if (!opts.yes) {
          if (!process.stdin.isTTY) usage('refusing to move real money without confirmation: pass --yes');
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          const answer = await rl.question('Type yes to run them: ');
          rl.close();
          if (answer.trim().toLowerCase() !== 'yes') throw new CliError('ABORTED', 'not confirmed; nothing was sent');
        }
      }
      const report = await runKit(FLOWS, options);
      if (opts.report) writeFileSync(opts.report, opts.report.endsWith('.json') ? renderJson(report) + '\n' : renderMarkdown(report) + '\n');
      if (opts.json) process.stdout.write(renderJson(report) + '\n');
      else process.stdout.write((opts.markdown ? renderMarkdown(report) : renderTable(report)) + '\n');
      if (report.summary.errors > 0) {
        if (!opts.json) process.stderr.write(`bpay conformance: ${summaryLine(report)}\n`);
        process.exitCode = 1;
      }
    });

  program
    .command('proxy')
    .description('validation proxy: forward Binance Pay traffic unchanged to an upstream, report every rule an exchange breaks (log and /_bpay/proxy), optionally record a cassette')
    .requiredOption('--upstream <url>', 'where requests go, e.g. https://bpay.binanceapi.com or http://127.0.0.1:8080')
    .option('--listen <[host]:port>', 'where the proxy listens (default 127.0.0.1:8090)', parseListen)
    .option('--secret <apiSecret>', 'the merchant API secret: signatures are verified (default $BINANCE_PAY_API_SECRET)')
    .option('--key <apiKey>', 'verify only this key with --secret (default: every key)')
    .option('--record <file>', 'record exchanges (redacted) to this cassette file, for bpay serve --replay')
    .option('--window-ms <ms>', 'accepted BinancePay-Timestamp skew (default 60000; Binance documents 1000)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of milliseconds');
      return n;
    })
    .option('--log-json', 'log one JSON line per exchange instead of text')
    .action(async (opts: { upstream: string; listen?: { host: string; port: number }; secret?: string; key?: string; record?: string; windowMs?: number; logJson?: boolean }) => {
      try {
        new URL(opts.upstream);
      } catch {
        usage(`--upstream ${opts.upstream} is not a URL`);
      }
      const secret = opts.secret ?? process.env.BINANCE_PAY_API_SECRET;
      const secrets = new Map<string, string>();
      if (secret !== undefined) secrets.set(opts.key ?? '*', secret);
      const listen = opts.listen ?? { host: '127.0.0.1', port: 8090 };
      const proxy = await buildProxy({
        upstream: opts.upstream,
        secrets,
        record: opts.record,
        ...(opts.windowMs !== undefined ? { windowMs: opts.windowMs } : {}),
        log: (line, exchange) => process.stdout.write((opts.logJson && exchange ? JSON.stringify(exchange) : line) + '\n'),
      });
      await proxy.app.listen({ host: listen.host, port: listen.port });
      const address = proxy.app.server.address();
      const port = typeof address === 'object' && address ? address.port : listen.port;
      const base = `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}`;
      process.stderr.write(
        [
          `bpay proxy listening on ${base} → ${new URL(opts.upstream).origin}`,
          `  point your app's Binance Pay base URL at ${base}`,
          `  dashboard  ${base}${PROXY_PREFIX}`,
          `  signatures ${secrets.size > 0 ? 'verified' : 'not verified (pass --secret)'}`,
          ...(opts.record ? [`  recording  ${resolve(opts.record)}`] : []),
        ].join('\n') + '\n',
      );
      // in-flight exchanges finish and are judged (and recorded) first; the log reaches its pipe before the exit
      const stop = async () => {
        await proxy.app.close();
        await proxy.settled();
        process.stdout.write('', () => process.exit(0));
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
    });
}
