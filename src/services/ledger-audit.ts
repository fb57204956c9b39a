/**
 * `bpay ledger verify`: the ledger's own invariants (ledger/verify.ts) plus reconciliation with the
 * business: every paid order has exactly its transfers, and no unpaid order moved money.
 */
import { sql } from 'kysely';
import { formatAmount } from '../lib/amount.ts';
import { verifyLedger, type LedgerCheck, type LedgerVerification } from '../ledger/verify.ts';
import { toBigInt } from '../store/db.ts';
import type { ServiceDeps } from './deps.ts';

const PAID_STATUSES = ['PAID', 'REFUNDING', 'REFUNDED', 'FULL_REFUNDED'];
const MAX_PROBLEMS = 50;
const ORDER_BATCH = 5000;

interface OrderMoney {
  toMerchant: bigint;
  commission: bigint;
  fromPayer: bigint;
  any: boolean;
}

export async function auditLedger(deps: ServiceDeps): Promise<LedgerVerification & { orders: number }> {
  const db = deps.store.db;
  const base = await verifyLedger(deps.store);
  const problems = [...base.problems];
  const note = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };

  // Orders are reconciled in keyset-paged batches so memory stays bounded at millions of orders.
  let orders = 0;
  let wrongPaid = 0;
  let movedUnpaid = 0;
  for (let after = ''; ; ) {
    const batch = await db
      .selectFrom('orders')
      .select(['prepay_id', 'status', 'order_amount', 'commission', 'payment_json'])
      .where('prepay_id', '>', after)
      .orderBy('prepay_id')
      .limit(ORDER_BATCH)
      .execute();
    if (batch.length === 0) break;
    orders += batch.length;
    after = batch[batch.length - 1]!.prepay_id;
    const money = await orderMoney(deps, batch.map((o) => o.prepay_id));
    for (const o of batch) {
      const m = money.get(o.prepay_id);
      if (PAID_STATUSES.includes(o.status)) {
        const amount = toBigInt(o.order_amount);
        const commission = toBigInt(o.commission);
        const paid = o.payment_json ? (JSON.parse(o.payment_json) as { paymentInstructions?: Array<{ amount: string }> }).paymentInstructions?.[0]?.amount : undefined;
        const ok = m !== undefined && m.toMerchant === amount && m.commission === commission && paid !== undefined && formatAmount(m.fromPayer) === paid;
        if (!ok) {
          wrongPaid++;
          note(`order ${o.prepay_id} (${o.status}) should have moved ${formatAmount(amount)} to the merchant and ${formatAmount(commission)} commission; the journal shows ${m ? `${formatAmount(m.toMerchant)} and ${formatAmount(m.commission)}` : 'nothing'}`);
        }
      } else if (m?.any) {
        movedUnpaid++;
        note(`order ${o.prepay_id} is ${o.status} but has payment transfers`);
      }
    }
  }

  const refundMismatches = await reconcileRefunds(deps, note);
  const payoutMismatches = await reconcilePayouts(deps, note);
  const splitMismatches = await reconcileSplits(deps, note);

  const checks: LedgerCheck[] = [
    ...base.checks,
    { name: 'paid-orders-have-their-transfers', ok: wrongPaid === 0, detail: `${orders} orders, ${wrongPaid} paid orders whose journal does not match` },
    { name: 'unpaid-orders-moved-no-money', ok: movedUnpaid === 0, detail: `${movedUnpaid} unpaid orders with transfers` },
    { name: 'refunds-match-journal', ok: refundMismatches === 0, detail: `${refundMismatches} orders whose refunds and refund transfers differ` },
    { name: 'payouts-match-journal', ok: payoutMismatches === 0, detail: `${payoutMismatches} payouts whose details and transfers differ` },
    { name: 'splits-match-journal', ok: splitMismatches === 0, detail: `${splitMismatches} profit-sharing splits whose shares or returns and transfers differ` },
  ];
  return { ...base, ok: checks.every((c) => c.ok), checks, problems, orders };
}

/** What the journal moved for each of these orders: to the merchant, as commission, from the payer. */
async function orderMoney(deps: ServiceDeps, prepayIds: string[]): Promise<Map<string, OrderMoney>> {
  const sums = await sql<{ ref_id: string; kind: string; c_owner: string; d_owner: string; total: unknown }>`
    select t.ref_id, t.kind, ca.owner_type as c_owner, da.owner_type as d_owner, sum(t.amount) as total
    from ledger_transfers t
      join ledger_accounts ca on ca.id = t.credit_account_id
      join ledger_accounts da on da.id = t.debit_account_id
    where t.ref_type = 'order' and t.ref_id in (${sql.join(prepayIds)}) and t.phase in ('POSTED', 'POST_PENDING')
    group by t.ref_id, t.kind, ca.owner_type, da.owner_type`.execute(deps.store.db);
  const money = new Map<string, OrderMoney>();
  for (const r of sums.rows) {
    const m = money.get(r.ref_id) ?? { toMerchant: 0n, commission: 0n, fromPayer: 0n, any: false };
    const total = toBigInt(r.total);
    m.any = true;
    if ((r.kind === 'PAYMENT' || r.kind === 'CONVERSION') && r.c_owner === 'MERCHANT') m.toMerchant += total;
    if (r.kind === 'PAYMENT' && r.d_owner === 'PAYER') m.fromPayer += total;
    if (r.kind === 'COMMISSION') m.commission += total;
    money.set(r.ref_id, m);
  }
  return money;
}

/** Sums of one kind of transfer per reference and phase (+ whether it credited the platform). */
async function transferSums(deps: ServiceDeps, refType: string, kind: string) {
  const rows = await sql<{ ref_id: string; phase: string; to_platform: unknown; total: unknown }>`
    select t.ref_id, t.phase, case when ca.owner_type = 'PLATFORM' then 1 else 0 end as to_platform, sum(t.amount) as total
    from ledger_transfers t join ledger_accounts ca on ca.id = t.credit_account_id
    where t.ref_type = ${refType} and t.kind = ${kind}
    group by t.ref_id, t.phase, case when ca.owner_type = 'PLATFORM' then 1 else 0 end`.execute(deps.store.db);
  const out = new Map<string, Record<string, bigint>>();
  for (const r of rows.rows) {
    const m = out.get(r.ref_id) ?? {};
    const key = `${r.phase}${toBigInt(r.to_platform) === 1n ? ':platform' : ''}`;
    m[key] = (m[key] ?? 0n) + toBigInt(r.total);
    out.set(r.ref_id, m);
  }
  return out;
}

/** Per order: posted refunds = successful refunds, open reservations = pending refunds, refunded_amount = both. */
async function reconcileRefunds(deps: ServiceDeps, note: (p: string) => void): Promise<number> {
  const journal = await transferSums(deps, 'order', 'REFUND');
  const refunds = await deps.store.db.selectFrom('refunds').select(['prepay_id', 'status', 'refund_amount']).execute();
  const expected = new Map<string, { success: bigint; pending: bigint }>();
  for (const r of refunds) {
    const e = expected.get(r.prepay_id) ?? { success: 0n, pending: 0n };
    if (r.status === 'REFUND_SUCCESS') e.success += toBigInt(r.refund_amount);
    if (r.status === 'REFUND_PENDING') e.pending += toBigInt(r.refund_amount);
    expected.set(r.prepay_id, e);
  }
  const refunded = new Map((await deps.store.db.selectFrom('orders').select(['prepay_id', 'refunded_amount']).where('refunded_amount', '>', 0).execute()).map((o) => [o.prepay_id, toBigInt(o.refunded_amount)]));
  let mismatches = 0;
  for (const id of new Set([...journal.keys(), ...expected.keys(), ...refunded.keys()])) {
    const j = journal.get(id) ?? {};
    const e = expected.get(id) ?? { success: 0n, pending: 0n };
    const posted = j.POST_PENDING ?? 0n;
    const open = (j.PENDING ?? 0n) - (j.POST_PENDING ?? 0n) - (j.VOID_PENDING ?? 0n);
    if (posted !== e.success || open !== e.pending || (refunded.get(id) ?? 0n) !== e.success + e.pending) {
      mismatches++;
      note(`order ${id}: refunds say ${formatAmount(e.success)} done + ${formatAmount(e.pending)} pending, the journal ${formatAmount(posted)} + ${formatAmount(open)}, the order ${formatAmount(refunded.get(id) ?? 0n)}`);
    }
  }
  return mismatches;
}

/**
 * Per payout: reservations = details that were reserved; posted to escrow = forwarded to payers =
 * successful details; voided = failed-after-reservation and refunded details; still open = details in flight.
 */
async function reconcilePayouts(deps: ServiceDeps, note: (p: string) => void): Promise<number> {
  const journal = await transferSums(deps, 'payout', 'PAYOUT');
  const details = await deps.store.db.selectFrom('payout_details').select(['payout_id', 'status', 'amount', 'pending_transfer_id']).execute();
  const expected = new Map<string, { reserved: bigint; success: bigint; voided: bigint; open: bigint }>();
  for (const d of details) {
    const e = expected.get(d.payout_id) ?? { reserved: 0n, success: 0n, voided: 0n, open: 0n };
    if (d.pending_transfer_id !== null) {
      const amount = toBigInt(d.amount);
      e.reserved += amount;
      if (d.status === 'SUCCESS') e.success += amount;
      else if (d.status === 'FAIL' || d.status === 'REFUNDED') e.voided += amount;
      else e.open += amount;
    }
    expected.set(d.payout_id, e);
  }
  let mismatches = 0;
  for (const id of new Set([...journal.keys(), ...expected.keys()])) {
    const j = journal.get(id) ?? {};
    const e = expected.get(id) ?? { reserved: 0n, success: 0n, voided: 0n, open: 0n };
    const reserved = j['PENDING:platform'] ?? 0n;
    const posted = j['POST_PENDING:platform'] ?? 0n;
    const voided = j['VOID_PENDING:platform'] ?? 0n;
    const forwarded = j.POSTED ?? 0n;
    if (reserved !== e.reserved || posted !== e.success || forwarded !== e.success || voided !== e.voided || reserved - posted - voided !== e.open) {
      mismatches++;
      note(`payout ${id}: details reserve ${formatAmount(e.reserved)} (paid ${formatAmount(e.success)}, released ${formatAmount(e.voided)}), the journal reserves ${formatAmount(reserved)} (paid ${formatAmount(forwarded)}, released ${formatAmount(voided)})`);
    }
  }
  return mismatches;
}

/** Per split: shared out = the split total; returned = the successful returns. */
async function reconcileSplits(deps: ServiceDeps, note: (p: string) => void): Promise<number> {
  const shared = await transferSums(deps, 'ps_split', 'PROFIT_SHARING');
  const returned = await transferSums(deps, 'ps_split', 'PROFIT_SHARING_RETURN');
  const splits = await deps.store.db.selectFrom('ps_splits').select(['split_order_no', 'total_amount']).execute();
  const returns = await deps.store.db.selectFrom('ps_returns').select(['split_order_no', 'return_amount']).where('status', '=', 2).execute();
  const expectedReturns = new Map<string, bigint>();
  for (const r of returns) expectedReturns.set(r.split_order_no, (expectedReturns.get(r.split_order_no) ?? 0n) + toBigInt(r.return_amount));
  const expectedShares = new Map(splits.map((s) => [s.split_order_no, toBigInt(s.total_amount)]));
  let mismatches = 0;
  for (const id of new Set([...shared.keys(), ...returned.keys(), ...expectedShares.keys()])) {
    const out = shared.get(id)?.POSTED ?? 0n;
    const back = returned.get(id)?.['POSTED'] ?? 0n;
    if (out !== (expectedShares.get(id) ?? 0n) || back !== (expectedReturns.get(id) ?? 0n)) {
      mismatches++;
      note(`split ${id}: shares ${formatAmount(expectedShares.get(id) ?? 0n)} and returns ${formatAmount(expectedReturns.get(id) ?? 0n)}, the journal ${formatAmount(out)} and ${formatAmount(back)}`);
    }
  }
  return mismatches;
}
