import type { Command } from 'commander';
import type { AttemptView, EventView } from '../http/admin/webhooks.ts';
import { listen } from './listen.ts';
import type { CommandContext } from './main.ts';



interface FilterOptions {
  merchant?: string;
  status?: string;
  order?: string;
  bizType?: string;
  refType?: string;
  refId?: string;
}

function filterParams(opts: FilterOptions): Record<string, string> {
  const f: Record<string, string> = {};
  if (opts.merchant) f.merchantId = opts.merchant;
  if (opts.status) f.status = opts.status.toUpperCase();
  if (opts.order) f.prepayId = opts.order;
  if (opts.bizType) f.bizType = opts.bizType;
  if (opts.refType) f.refType = opts.refType;
  if (opts.refId) f.refId = opts.refId;
  return f;
}

function eventLine(e: EventView): string {
  const last = e.lastHttpStatus !== null ? ` last HTTP ${e.lastHttpStatus}` : e.lastError ? ` last error: ${e.lastError}` : '';
  const next = e.nextAttemptAtMs !== null ? ` next ${new Date(e.nextAttemptAtMs).toISOString()}` : '';
  return `${e.eventId.padStart(6)}  ${e.status.padEnd(10)} ${e.bizType} ${e.bizStatus}${e.test ? ' (test)' : ''}  bizId ${e.bizId}  merchant ${e.merchantId}  attempts ${e.attempts}${last}${next}`;
}

function attemptLine(a: AttemptView): string {
  const answer = a.responseStatus !== null ? `HTTP ${a.responseStatus}` : 'no answer';
  return `event ${a.eventId} attempt #${a.attemptNo} (${a.trigger}, ${a.via}) → ${a.url}: ${a.outcome ?? 'IN FLIGHT'}, ${answer}${a.latencyMs !== null ? ` in ${a.latencyMs} ms` : ''}${a.error ? ` — ${a.error}` : ''}`;
}

export function registerWebhookCommands(program: Command, ctx: CommandContext): void {
  const webhooks = program.command('webhooks').description('webhook events, their delivery attempts, redelivery and test notifications');
  const filters = (c: Command) =>
    c
      .option('--merchant <merchantId>', 'events of this merchant')
      .option('--order <prepayId>', 'events of this order (PAY and PAY_REFUND: their bizId)')
      .option('--status <status>', 'PENDING, DELIVERED, FAILED, NO_TARGET or SUPPRESSED')
      .option('--biz-type <bizType>', 'PAY, PAY_REFUND, PAYOUT, PAYOUT_NON_BN…')
      .option('--ref-type <refType>', 'what the event is about: order, refund, payout, test')
      .option('--ref-id <refId>', 'its id');

  filters(webhooks.command('list').description('newest first'))
    .option('--limit <n>', 'at most n events (default 50)')
    .option('--json', 'JSON output')
    .action(async (opts: FilterOptions & { limit?: string; json?: boolean }) => {
      const q = new URLSearchParams(filterParams(opts));
      if (opts.limit) q.set('limit', opts.limit);
      const events = await ctx.client().request<EventView[]>('GET', `/webhooks?${q.toString()}`);
      ctx.output(opts.json, events, (list: EventView[]) => (list.length === 0 ? 'no webhook events' : list.map(eventLine).join('\n')));
    });

  webhooks
    .command('show <eventId>')
    .description('one event: body, state and every attempt with its request and response')
    .option('--json', 'JSON output')
    .action(async (eventId: string, opts: { json?: boolean }) => ctx.output(opts.json, await ctx.client().request('GET', `/webhooks/${encodeURIComponent(eventId)}`)));

  filters(
    webhooks
      .command('redeliver [eventIds...]')
      .description('a new attempt now for each event (by id, or all matching the filters); earlier attempts are kept'),
  )
    // not --url: that global option names the server
    .option('--to <url>', 'deliver to this URL instead of the stored target')
    .option('--limit <n>', 'with filters: at most n events (default 100)')
    .option('--json', 'JSON output')
    .action(async (eventIds: string[], opts: FilterOptions & { to?: string; limit?: string; json?: boolean }) => {
      const client = ctx.client();
      const url = opts.to ? { url: opts.to } : {};
      if (eventIds.length === 1 && Object.keys(filterParams(opts)).length === 0) {
        const r = await client.request<{ event: EventView; attempt: AttemptView }>('POST', `/webhooks/${encodeURIComponent(eventIds[0] as string)}/redeliver`, url);
        ctx.output(opts.json, r, (d: typeof r) => `${attemptLine(d.attempt)}\n${eventLine(d.event)}`);
        return;
      }
      const body = { ...filterParams(opts), ...(eventIds.length > 0 ? { ids: eventIds } : {}), ...url, ...(opts.limit ? { limit: Number(opts.limit) } : {}) };
      const results = await client.request<Array<{ eventId: string; attempt?: AttemptView; error?: { code: string; message: string } }>>('POST', '/webhooks/redeliver', body);
      ctx.output(opts.json, results, (list: typeof results) =>
        list.length === 0 ? 'no matching events' : list.map((r) => (r.attempt ? attemptLine(r.attempt) : `event ${r.eventId}: not redelivered — ${r.error?.message ?? '?'}`)).join('\n'),
      );
      if (results.some((r) => r.error)) process.exitCode = 1;
    });

  webhooks
    .command('test')
    .description('send a signed PAY_SUCCESS-shaped test notification (merchantTradeNo TEST…) to the merchant now')
    .requiredOption('--merchant <merchantId>')
    .option('--to <url>', 'send it here instead of the merchant webhook URL')
    .option('--json', 'JSON output')
    .action(async (opts: { merchant: string; to?: string; json?: boolean }) => {
      const r = await ctx.client().request<{ event: EventView; attempt: AttemptView | null }>('POST', `/merchants/${encodeURIComponent(opts.merchant)}/webhooks/test`, opts.to ? { url: opts.to } : {});
      ctx.output(opts.json, r, (d: typeof r) => [d.attempt ? attemptLine(d.attempt) : 'queued: the dispatcher delivers it', eventLine(d.event)].join('\n'));
    });

  webhooks
    .command('listeners')
    .description('`bpay listen` connections of a merchant')
    .requiredOption('--merchant <merchantId>')
    .option('--json', 'JSON output')
    .action(async (opts: { merchant: string; json?: boolean }) =>
      ctx.output(opts.json, await ctx.client().request('GET', `/merchants/${encodeURIComponent(opts.merchant)}/webhooks/listeners`)),
    );

  program
    .command('listen')
    .description("receive a merchant's webhooks through a connection to the server and forward them to a local URL (instead of the merchant's webhook URL while connected)")
    .requiredOption('--merchant <merchantId>')
    .requiredOption('--forward-to <url>', 'local endpoint, e.g. http://localhost:3000/hook')
    .option('--json', 'one JSON object per line: ready, then one per attempt')
    .action(async (opts: { merchant: string; forwardTo: string; json?: boolean }) => {
      if (!/^https?:\/\//i.test(opts.forwardTo) || !URL.canParse(opts.forwardTo)) throw new Error(`--forward-to must be an http(s) URL, got ${opts.forwardTo}`);
      const client = ctx.client();
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await listen(client, { merchantId: opts.merchant, forwardTo: opts.forwardTo, json: Boolean(opts.json), signal: stop.signal });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
