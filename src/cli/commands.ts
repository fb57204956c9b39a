import { InvalidArgumentError, type Command } from 'commander';
import type { CommandContext } from './main.ts';

interface MerchantCreated {
  merchantId: number;
  apiKey: string;
  apiSecret: string;
}

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

function onOff(value: string): boolean {
  if (['on', 'true', 'yes', '1'].includes(value)) return true;
  if (['off', 'false', 'no', '0'].includes(value)) return false;
  // a usage error (exit code 2), reported by commander with the option's name
  throw new InvalidArgumentError(`expected on or off, got ${value}`);
}

export function registerCommands(program: Command, ctx: CommandContext): void {
  const merchant = program.command('merchant').description('merchants and their settings');
  merchant
    .command('create')
    .requiredOption('--name <name>', 'merchant name')
    .option('--webhook-url <url>', 'default webhook URL')
    .option('--ip-allowlist <ips>', 'comma-separated IPs/CIDRs allowed to call the API', list)
    .option('--json', 'print {"merchantId","apiKey","apiSecret"} only')
    .action(async (opts: { name: string; webhookUrl?: string; ipAllowlist?: string[]; json?: boolean }) => {
      const created = await ctx.client().request<MerchantCreated>('POST', '/merchants', { name: opts.name, webhookUrl: opts.webhookUrl ?? null, ipAllowlist: opts.ipAllowlist ?? null });
      ctx.output(opts.json, { merchantId: created.merchantId, apiKey: created.apiKey, apiSecret: created.apiSecret }, (d: MerchantCreated) =>
        [`merchantId  ${d.merchantId}`, `apiKey      ${d.apiKey}`, `apiSecret   ${d.apiSecret}   (shown once: store it now)`].join('\n'),
      );
    });
  merchant
    .command('list')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }) => ctx.output(opts.json, await ctx.client().request('GET', '/merchants')));
  merchant
    .command('show <merchantId>')
    .option('--json', 'JSON output')
    .action(async (id: string, opts: { json?: boolean }) => ctx.output(opts.json, await ctx.client().request('GET', `/merchants/${encodeURIComponent(id)}`)));
  merchant
    .command('update <merchantId>')
    .option('--name <name>')
    .option('--webhook-url <url>', 'webhook URL ("none" to clear)')
    .option('--ip-allowlist <ips>', 'comma-separated IPs/CIDRs ("none" to clear)')
    .option('--pay-closed-notify <on|off>', 'send PAY_CLOSED webhooks', onOff)
    .option('--status <status>', 'ACTIVE or SUSPENDED')
    .option('--commission-rate <rate>', 'decimal rate, e.g. 0.01 ("none" = server default)')
    .option('--new-webhook-certificate <on|off>', 'also sign webhooks with the new certificate (BinancePay-Signature-New)', onOff)
    .option('--share-payer-detail <on|off>', 'whitelist for payerDetail in query order and PAY webhooks', onOff)
    .option('--json', 'JSON output')
    .action(async (id: string, opts: Record<string, string | boolean | undefined>) => {
      const patch: Record<string, unknown> = {};
      if (opts.name !== undefined) patch.name = opts.name;
      if (opts.webhookUrl !== undefined) patch.webhookUrl = opts.webhookUrl === 'none' ? null : opts.webhookUrl;
      if (opts.ipAllowlist !== undefined) patch.ipAllowlist = opts.ipAllowlist === 'none' ? null : list(String(opts.ipAllowlist));
      if (opts.payClosedNotify !== undefined) patch.payClosedNotify = opts.payClosedNotify;
      if (opts.status !== undefined) patch.status = opts.status;
      if (opts.commissionRate !== undefined) patch.commissionRate = opts.commissionRate === 'none' ? null : opts.commissionRate;
      if (opts.newWebhookCertificate !== undefined) patch.newWebhookCertificate = opts.newWebhookCertificate;
      if (opts.sharePayerDetail !== undefined) patch.sharePayerDetail = opts.sharePayerDetail;
      ctx.output(opts.json as boolean | undefined, await ctx.client().request('PATCH', `/merchants/${encodeURIComponent(id)}`, patch));
    });

  for (const [name, status, what] of [
    ['suspend', 'SUSPENDED', 'suspend a merchant: its API calls answer 400203 until reactivated'],
    ['reactivate', 'ACTIVE', 'reactivate a suspended merchant'],
  ] as const) {
    merchant
      .command(`${name} <merchantId>`)
      .description(what)
      .option('--json', 'JSON output')
      .action(async (id: string, opts: { json?: boolean }) => ctx.output(opts.json, await ctx.client().request('PATCH', `/merchants/${encodeURIComponent(id)}`, { status })));
  }

  const key = program.command('key').description('API keys of a merchant');
  key
    .command('list')
    .requiredOption('--merchant <merchantId>')
    .option('--json', 'JSON output')
    .action(async (opts: { merchant: string; json?: boolean }) => ctx.output(opts.json, await ctx.client().request('GET', `/merchants/${encodeURIComponent(opts.merchant)}/keys`)));
  key
    .command('create')
    .requiredOption('--merchant <merchantId>')
    .option('--label <label>')
    .option('--json', 'JSON output')
    .action(async (opts: { merchant: string; label?: string; json?: boolean }) => {
      const created = await ctx.client().request<{ apiKey: string; apiSecret: string }>('POST', `/merchants/${encodeURIComponent(opts.merchant)}/keys`, { label: opts.label ?? null });
      ctx.output(opts.json, { apiKey: created.apiKey, apiSecret: created.apiSecret });
    });
  key
    .command('revoke <apiKey>')
    .requiredOption('--merchant <merchantId>')
    .option('--json', 'JSON output')
    .action(async (apiKey: string, opts: { merchant: string; json?: boolean }) =>
      ctx.output(opts.json, await ctx.client().request('POST', `/merchants/${encodeURIComponent(opts.merchant)}/keys/${encodeURIComponent(apiKey)}/revoke`, {})),
    );
  key
    .command('rotate <apiKey>')
    .requiredOption('--merchant <merchantId>')
    .option('--overlap-seconds <n>', 'how long the old key keeps working (default 86400)', (v) => Number(v))
    .option('--json', 'JSON output')
    .action(async (apiKey: string, opts: { merchant: string; overlapSeconds?: number; json?: boolean }) =>
      ctx.output(
        opts.json,
        await ctx.client().request('POST', `/merchants/${encodeURIComponent(opts.merchant)}/keys/${encodeURIComponent(apiKey)}/rotate`, opts.overlapSeconds === undefined ? {} : { overlapSeconds: opts.overlapSeconds }),
      ),
    );

  program
    .command('audit')
    .description('the audit log of management actions (who, what, when)')
    .option('--merchant <merchantId>')
    .option('--limit <n>')
    .option('--json', 'JSON output')
    .action(async (opts: { merchant?: string; limit?: string; json?: boolean }) => {
      const q = new URLSearchParams();
      if (opts.merchant) q.set('merchantId', opts.merchant);
      if (opts.limit) q.set('limit', opts.limit);
      const entries = await ctx.client().request<Array<{ atMs: number; actor: string; action: string; merchantId: number | null; detail: unknown }>>('GET', `/audit?${q.toString()}`);
      ctx.output(opts.json, entries, (list: typeof entries) =>
        list.map((e) => `${new Date(e.atMs).toISOString()}  ${e.actor}  ${e.action}${e.merchantId ? ` merchant ${e.merchantId}` : ''}  ${JSON.stringify(e.detail)}`).join('\n') || 'no entries',
      );
    });

  const certificates = program.command('certificates').description('webhook signing keys as /certificates publishes them');
  certificates
    .command('list', { isDefault: true })
    .option('--new', 'the new certificate (BinancePay-Signature-New, /certificates/new)')
    .option('--json', 'JSON output')
    .action(async (opts: { new?: boolean; json?: boolean }) => ctx.output(opts.json, await ctx.client().request('GET', opts.new ? '/certificates?kind=new' : '/certificates')));
  certificates
    .command('rotate')
    .option('--overlap-seconds <n>', 'how long the old key stays listed (default 7 days)', (v) => Number(v))
    .option('--new', 'rotate the new certificate instead of the legacy one')
    .option('--json', 'JSON output')
    .action(async (opts: { overlapSeconds?: number; new?: boolean; json?: boolean }) =>
      ctx.output(
        opts.json,
        await ctx.client().request('POST', '/certificates/rotate', { ...(opts.overlapSeconds === undefined ? {} : { overlapSeconds: opts.overlapSeconds }), ...(opts.new ? { kind: 'new' } : {}) }),
      ),
    );
}
