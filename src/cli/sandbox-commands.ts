import type { Command } from 'commander';
import type { CommandContext } from './main.ts';

interface PayerView {
  binanceId: string;
  email: string | null;
  name: string | null;
  balances: Array<{ wallet: string; asset: string; available: string }>;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function balancesLine(p: PayerView): string {
  return p.balances.map((b) => `${b.available} ${b.asset} (${b.wallet})`).join(', ') || 'no funds';
}

export function registerSandboxCommands(program: Command, ctx: CommandContext): void {
  const payer = program.command('payer').description('simulated Binance users that pay orders');
  payer
    .command('create')
    .option('--email <email>', 'email (payouts to an email reach this payer)')
    .option('--name <name>')
    .option('--fund <amount:asset>', 'fund the funding wallet, e.g. 100:USDT (repeatable)', collect, [])
    .option('--json', 'print {"binanceId","email",...}')
    .action(async (opts: { email?: string; name?: string; fund: string[]; json?: boolean }) => {
      const created = await ctx.client().request<PayerView>('POST', '/payers', { email: opts.email ?? null, name: opts.name ?? null, fund: opts.fund });
      ctx.output(opts.json, created, (p: PayerView) => `binanceId  ${p.binanceId}\nemail      ${p.email ?? '-'}\nbalances   ${balancesLine(p)}`);
    });
  payer
    .command('fund <binanceId> <amountAsset>')
    .description('add funds, e.g. `bpay payer fund 123456789 50:BTC`')
    .option('--wallet <wallet>', 'FUNDING (default) or SPOT')
    .option('--json', 'JSON output')
    .action(async (binanceId: string, amountAsset: string, opts: { wallet?: string; json?: boolean }) => {
      const [amount, asset] = amountAsset.split(':');
      const body = opts.wallet ? { amount, asset, wallet: opts.wallet.toUpperCase() } : amountAsset;
      const updated = await ctx.client().request<PayerView>('POST', `/payers/${encodeURIComponent(binanceId)}/fund`, body);
      ctx.output(opts.json, updated, (p: PayerView) => `${p.binanceId}: ${balancesLine(p)}`);
    });
  payer
    .command('show <binanceId>')
    .option('--json', 'JSON output')
    .action(async (binanceId: string, opts: { json?: boolean }) => ctx.output(opts.json, await ctx.client().request('GET', `/payers/${encodeURIComponent(binanceId)}`)));
  payer
    .command('list')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }) => ctx.output(opts.json, await ctx.client().request('GET', '/payers')));

  program
    .command('pay <prepayId>')
    .description('pay an order as a sandbox payer (INITIAL → PENDING → PAID); prints the order as query-order shows it')
    .requiredOption('--payer <binanceId>', 'the paying payer')
    .option('--currency <asset>', 'pay in this currency (must be allowed by supportPayCurrency)')
    .option('--json', 'JSON output')
    .action(async (prepayId: string, opts: { payer: string; currency?: string; json?: boolean }) => {
      const order = await ctx.client().request<{ status: string; orderAmount: string; currency: string }>('POST', `/orders/${encodeURIComponent(prepayId)}/pay`, {
        payer: opts.payer,
        ...(opts.currency ? { currency: opts.currency.toUpperCase() } : {}),
      });
      ctx.output(opts.json, order, (o: { status: string; orderAmount: string; currency: string }) => `order ${prepayId} ${o.status}: ${o.orderAmount} ${o.currency}`);
    });

  const order = program.command('order').description('orders as the sandbox sees them');
  order
    .command('show <prepayId>')
    .option('--json', 'JSON output')
    .action(async (prepayId: string, opts: { json?: boolean }) => ctx.output(opts.json, await ctx.client().request('GET', `/orders/${encodeURIComponent(prepayId)}`)));
  order
    .command('list')
    .option('--merchant <merchantId>')
    .option('--status <status>')
    .option('--limit <n>')
    .option('--json', 'JSON output')
    .action(async (opts: { merchant?: string; status?: string; limit?: string; json?: boolean }) => {
      const q = new URLSearchParams();
      if (opts.merchant) q.set('merchantId', opts.merchant);
      if (opts.status) q.set('status', opts.status);
      if (opts.limit) q.set('limit', opts.limit);
      ctx.output(opts.json, await ctx.client().request('GET', `/orders?${q.toString()}`));
    });
  order
    .command('start <prepayId>')
    .description('the payer opened the order and started paying (INITIAL → PENDING)')
    .requiredOption('--payer <binanceId>')
    .option('--json', 'JSON output')
    .action(async (prepayId: string, opts: { payer: string; json?: boolean }) => ctx.output(opts.json, await ctx.client().request('POST', `/orders/${encodeURIComponent(prepayId)}/start`, { payer: opts.payer })));
  order
    .command('fail <prepayId>')
    .description('the payment failed (INITIAL|PENDING → ERROR)')
    .option('--json', 'JSON output')
    .action(async (prepayId: string, opts: { json?: boolean }) => ctx.output(opts.json, await ctx.client().request('POST', `/orders/${encodeURIComponent(prepayId)}/fail`, {})));

  const ledger = program.command('ledger').description('the double-entry ledger');
  ledger
    .command('verify')
    .description('prove the invariants; exits 0 only if all hold')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }) => {
      const report = await ctx.client().request<{ ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }>; problems: string[] }>('GET', '/ledger/verify');
      ctx.output(opts.json, report, (r: typeof report) =>
        [...r.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`), ...r.problems.map((p) => `  - ${p}`), r.ok ? 'ledger verified' : 'LEDGER INVARIANTS VIOLATED'].join('\n'),
      );
      if (!report.ok) process.exitCode = 1;
    });
  ledger
    .command('show')
    .description('the journal of one order (payment, commission, refunds) or one payout batch')
    .option('--order <prepayId>')
    .option('--payout <requestId>', "a payout batch by the merchant's requestId")
    .option('--merchant <merchantId>', 'whose requestId (needed when several merchants used it)')
    .option('--json', 'JSON output')
    .action(async (opts: { order?: string; payout?: string; merchant?: string; json?: boolean }) => {
      if (!!opts.order === !!opts.payout) throw new Error('give exactly one of --order or --payout');
      if (opts.order) {
        const o = await ctx.client().request<{ journal: unknown[] }>('GET', `/orders/${encodeURIComponent(opts.order)}`);
        ctx.output(opts.json, o.journal);
        return;
      }
      const q = new URLSearchParams({ requestId: opts.payout ?? '' });
      if (opts.merchant) q.set('merchantId', opts.merchant);
      const found = await ctx.client().request<Array<{ payoutId: string; merchantId: number }>>('GET', `/payouts?${q.toString()}`);
      if (found.length === 0) throw new Error(`no payout with requestId ${opts.payout}`);
      if (found.length > 1) throw new Error(`requestId ${opts.payout} is used by merchants ${found.map((p) => p.merchantId).join(', ')}: add --merchant`);
      const payout = await ctx.client().request<{ journal: unknown[] }>('GET', `/payouts/${found[0]?.payoutId}`);
      ctx.output(opts.json, payout.journal);
    });

  const time = program.command('time').description('sandbox time control (the business clock)');
  time
    .command('show', { isDefault: true })
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }) => ctx.output(opts.json, await ctx.client().request('GET', '/time')));
  time
    .command('advance <duration>')
    .description('move time forward (90s, 15m, 1h, 3d) and run the workers: orders expire, retries fall due')
    .option('--json', 'JSON output')
    .action(async (duration: string, opts: { json?: boolean }) => ctx.output(opts.json, await ctx.client().request('POST', '/time/advance', { by: duration })));
}
