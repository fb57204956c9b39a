/**
 * The conformance kit's engine: runs scripted flows step by step against a base URL, judges every
 * answer with the shared shapes (inspect.ts) and the step's expectation (success with some enum
 * values, or a FAIL with one of the documented codes), and collects a report. It talks HTTP only
 * (KitClient, SandboxAdmin), so the same run is honest against production.
 *
 * Safety: every step has a risk. `read` and `write` (objects that cost nothing and can be closed,
 * like an unpaid order) run by default; `create` (objects that cannot be deleted, like a
 * sub-merchant) needs `allowCreate`; `money` (funds move) needs `allowMoney`. Against a sandbox
 * (its admin API answered) money is simulated and everything runs.
 */
import { randomString } from '../lib/ids.ts';
import { KitClient, type KitCredentials, type KitExchange, type SendOverrides } from './client.ts';
import { checkResponse, plain, valueAt } from './inspect.ts';
import type { SandboxAdmin } from './sandbox.ts';
import { describeValue, type Difference } from './shape.ts';
import { endpoint as endpointShape, NOT_AVAILABLE_CODES, type Family } from './shapes.ts';

export type Risk = 'read' | 'write' | 'create' | 'money';

export interface PlannedStep {
  name: string;
  /** endpoint name of shapes.ts */
  endpoint: string;
  risk: Risk;
  /** what the step does, printed before the run */
  what: string;
}

export type FlowFamily = Family | 'errors';

export interface Flow {
  name: string;
  family: FlowFamily;
  title: string;
  plan: PlannedStep[];
  run(ctx: FlowContext): Promise<void>;
}

export interface Expectation {
  /** FAIL with one of these codes; absent = success */
  codes?: readonly string[];
  /** the fact sheet marks this expectation inferred: a mismatch is a warning */
  inferred?: boolean;
  /** dotted path → literal the answer must carry (enums and echoes, never ids or times) */
  values?: Readonly<Record<string, string | boolean | number>>;
  /** dotted path → a value the request sent that the answer must echo (checked like `values`, printed "as sent") */
  echoes?: Readonly<Record<string, string>>;
  /** the envelope status, when not SUCCESS (Transfer Fund repeats) */
  status?: string;
}

export interface StepSpec {
  name: string;
  body?: unknown;
  overrides?: SendOverrides;
  expect?: Expectation;
  /** values earlier steps produced; any undefined one skips this step */
  needs?: readonly unknown[];
  /** why it is skipped when `needs` is not met */
  needsWhat?: string;
}

export type Outcome = 'pass' | 'diff' | 'skipped' | 'unavailable';

export interface StepReport {
  flow: string;
  family: FlowFamily;
  step: string;
  endpoint: string;
  path: string;
  risk: Risk;
  outcome: Outcome;
  expected: string;
  httpStatus?: number;
  status?: string;
  code?: string;
  errorMessage?: string;
  differences: Difference[];
  extensions?: string[];
  reason?: string;
}

export interface StepResult {
  ok: boolean;
  data: unknown;
  exchange: KitExchange;
}

export interface KitOptions {
  credentials: KitCredentials;
  /** the admin API of a sandbox (this server); undefined against production */
  sandbox?: SandboxAdmin | undefined;
  allowMoney?: boolean;
  allowCreate?: boolean;
  /** families to run; default all */
  only?: readonly FlowFamily[] | undefined;
  /** production money flows: a paid order to refund from, a payout receiver, the amount */
  paidOrder?: string | undefined;
  payoutReceiver?: string | undefined;
  /** amount of money-moving steps against production (default 0.00000001) */
  amount?: string | undefined;
  /** currency of orders and money steps (default USDT) */
  currency?: string | undefined;
  fetch?: typeof fetch;
  /** progress: one line per step */
  onStep?: (report: StepReport) => void;
}

export interface FlowContext {
  client: KitClient;
  sandbox: SandboxAdmin | undefined;
  options: KitOptions;
  currency: string;
  /** the amount of real-money steps (sandbox: what the flow chooses) */
  amount: string;
  step(spec: StepSpec): Promise<StepResult | undefined>;
  /** records a planned step as skipped (e.g. no payer outside a sandbox) */
  skip(name: string, reason: string): void;
  /** a fresh id of letters and digits: merchantTradeNo, refundRequestId, requestId */
  unique(prefix: string): string;
  /** may steps of this risk run? */
  allows(risk: Risk): boolean;
}

export interface KitReport {
  tool: 'bpay conformance';
  baseUrl: string;
  /** sandbox: the admin API answered (simulated money); live: real-money rules apply */
  target: 'sandbox' | 'live';
  startedAt: string;
  finishedAt: string;
  families: FlowFamily[];
  summary: { steps: number; passed: number; withDifferences: number; skipped: number; unavailable: number; errors: number; warnings: number };
  steps: StepReport[];
}

function expectationText(e: Expectation | undefined): string {
  if (e?.codes) return `FAIL ${e.codes.join(' or ')}${e.inferred ? ' (inferred)' : ''}`;
  const values = [...Object.entries(e?.values ?? {}).map(([k, v]) => `${k}=${String(v)}`), ...Object.keys(e?.echoes ?? {}).map((k) => `${k} as sent`)];
  return [e?.status ?? 'SUCCESS', ...values].join(' ');
}

/** Judges one answer against the endpoint's shape and the step's expectation. */
export function judge(endpointName: string, exchange: KitExchange, expect: Expectation | undefined): Pick<StepReport, 'outcome' | 'differences' | 'status' | 'code' | 'errorMessage' | 'extensions' | 'httpStatus' | 'reason'> {
  if (exchange.transportError !== undefined) {
    return { outcome: 'diff', differences: [{ path: 'transport', kind: 'transport', expected: 'an HTTP answer', actual: exchange.transportError, severity: 'error' }] };
  }
  const shape = endpointShape(endpointName);
  const checked = checkResponse(shape, exchange.httpStatus, exchange.responseText);
  const differences = [...checked.differences];
  const failed = checked.status === 'FAIL' || checked.status === 'ERROR';
  const severity = expect?.inferred ? 'warning' : 'error';
  const base = { status: checked.status, code: checked.code, errorMessage: checked.errorMessage, extensions: checked.extensions, httpStatus: exchange.httpStatus };
  if (expect?.codes) {
    if (!failed) differences.push({ path: 'status', kind: 'code', expected: `FAIL ${expect.codes.join(' or ')}`, actual: `${checked.status ?? 'no status'} ${checked.code ?? ''}`.trim(), severity });
    else if (!expect.codes.includes(checked.code ?? '')) differences.push({ path: 'code', kind: 'code', expected: expect.codes.join(' or '), actual: `${checked.code ?? 'absent'}${checked.errorMessage ? ` (${checked.errorMessage.slice(0, 80)})` : ''}`, severity });
  } else if (failed) {
    if (NOT_AVAILABLE_CODES.includes(checked.code ?? '')) {
      return { ...base, outcome: 'unavailable', differences: [], reason: `not available to this merchant: ${checked.code} ${checked.errorMessage ?? ''}`.trim() };
    }
    differences.push({ path: 'code', kind: 'code', expected: '000000 (SUCCESS)', actual: `${checked.code ?? 'absent'}${checked.errorMessage ? ` (${checked.errorMessage.slice(0, 80)})` : ''}`, severity: 'error' });
  } else {
    if (expect?.status && checked.status !== expect.status) differences.push({ path: 'status', kind: 'value', expected: expect.status, actual: checked.status ?? 'absent', severity });
    for (const [path, want] of [...Object.entries(expect?.values ?? {}), ...Object.entries(expect?.echoes ?? {})]) {
      const got = valueAt(checked.envelope, path);
      if (got === undefined || String(plain(got)) !== String(want)) differences.push({ path, kind: 'value', expected: JSON.stringify(want), actual: describeValue(got), severity });
    }
  }
  return { ...base, outcome: differences.length > 0 ? 'diff' : 'pass', differences };
}

function allowed(risk: Risk, options: KitOptions): boolean {
  if (risk === 'read' || risk === 'write') return true;
  if (options.sandbox) return true;
  return risk === 'money' ? options.allowMoney === true : options.allowCreate === true;
}

function refusal(risk: Risk): string {
  return risk === 'money' ? 'moves real money: pass --allow-money to run it' : 'creates an object that cannot be deleted: pass --allow-create to run it';
}

export function selectFlows(flows: readonly Flow[], only: readonly FlowFamily[] | undefined): Flow[] {
  return only && only.length > 0 ? flows.filter((f) => only.includes(f.family)) : [...flows];
}

/** The plan printed before a run: every step, and whether it will run. */
export function describePlan(flows: readonly Flow[], options: Pick<KitOptions, 'sandbox' | 'allowMoney' | 'allowCreate'>): Array<PlannedStep & { flow: string; runs: boolean }> {
  return flows.flatMap((f) => f.plan.map((s) => ({ ...s, flow: f.name, runs: allowed(s.risk, options as KitOptions) })));
}

export async function runKit(flows: readonly Flow[], options: KitOptions): Promise<KitReport> {
  const startedAt = new Date().toISOString();
  const selected = selectFlows(flows, options.only);
  const client = new KitClient(options.credentials, { ...(options.fetch ? { fetch: options.fetch } : {}) });
  const steps: StepReport[] = [];
  const record = (r: StepReport) => {
    steps.push(r);
    options.onStep?.(r);
  };
  for (const flow of selected) {
    const planned = new Map(flow.plan.map((s) => [s.name, s]));
    const done = new Set<string>();
    const planOf = (name: string): PlannedStep => {
      const p = planned.get(name);
      if (!p) throw new Error(`flow ${flow.name}: step ${name} is not in its plan`);
      return p;
    };
    const skipped = (p: PlannedStep, reason: string, outcome: Outcome = 'skipped') => {
      done.add(p.name);
      record({ flow: flow.name, family: flow.family, step: p.name, endpoint: p.endpoint, path: endpointShape(p.endpoint).path, risk: p.risk, outcome, expected: '', differences: [], reason });
    };
    const ctx: FlowContext = {
      client,
      sandbox: options.sandbox,
      options,
      currency: options.currency ?? 'USDT',
      amount: options.amount ?? '0.00000001',
      allows: (risk) => allowed(risk, options),
      unique: (prefix) => `${prefix}${client.now().toString(36)}${randomString(10)}`.slice(0, 32),
      skip: (name, reason) => skipped(planOf(name), reason),
      async step(spec) {
        const p = planOf(spec.name);
        if (!allowed(p.risk, options)) return void skipped(p, refusal(p.risk));
        if (spec.needs?.some((v) => v === undefined)) return void skipped(p, `needs ${spec.needsWhat ?? 'an earlier step that did not succeed'}`);
        const path = endpointShape(p.endpoint).path;
        const exchange = await client.send(path, spec.body, spec.overrides);
        const verdict = judge(p.endpoint, exchange, spec.expect);
        done.add(p.name);
        record({ flow: flow.name, family: flow.family, step: p.name, endpoint: p.endpoint, path, risk: p.risk, expected: expectationText(spec.expect), ...verdict });
        const envelope = verdict.status === 'SUCCESS' || verdict.status === 'REPEAT_REQ_SUCCESS' ? (JSON.parse(exchange.responseText) as { data?: unknown }) : undefined;
        return { ok: verdict.outcome === 'pass' && envelope !== undefined, data: envelope?.data, exchange };
      },
    };
    try {
      await flow.run(ctx);
    } catch (error) {
      // a flow that throws (a sandbox action failed) reports its remaining steps with the reason
      const message = error instanceof Error ? error.message : String(error);
      for (const p of flow.plan) if (!done.has(p.name)) skipped(p, `flow stopped: ${message}`);
      continue;
    }
    for (const p of flow.plan) if (!done.has(p.name)) skipped(p, 'not reached');
  }
  const count = (o: Outcome) => steps.filter((s) => s.outcome === o).length;
  const all = steps.flatMap((s) => s.differences);
  return {
    tool: 'bpay conformance',
    baseUrl: options.credentials.baseUrl,
    target: options.sandbox ? 'sandbox' : 'live',
    startedAt,
    finishedAt: new Date().toISOString(),
    families: [...new Set(selected.map((f) => f.family))],
    summary: {
      steps: steps.length,
      passed: count('pass'),
      withDifferences: count('diff'),
      skipped: count('skipped'),
      unavailable: count('unavailable'),
      errors: all.filter((d) => d.severity === 'error').length,
      warnings: all.filter((d) => d.severity === 'warning').length,
    },
    steps,
  };
}
