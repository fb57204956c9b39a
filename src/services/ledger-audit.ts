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

interface OrderMoney {
  toMerchant: bigint;
  commission: bigint;
  fromPayer: bigint;
  any: boolean;
}

export async function auditLedger(deps: ServiceDeps): Promise<LedgerVerification & { orders: number }> {
  const db = deps.store.db;
  const base = await verifyLedger(db);
  const problems = [...base.problems];
  const note = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };

  const sums = await sql<{ ref_id: string; kind: string; c_owner: string; d_owner: string; total: unknown }>`
    select t.ref_id, t.kind, ca.owner_type as c_owner, da.owner_type as d_owner, sum(t.amount) as total
    from ledger_transfers t
      join ledger_accounts ca on ca.id = t.credit_account_id
      join ledger_accounts da on da.id = t.debit_account_id
    where t.ref_type = 'order' and t.phase in ('POSTED', 'POST_PENDING')
    group by t.ref_id, t.kind, ca.owner_type, da.owner_type`.execute(db);
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

  const orderRows = await db.selectFrom('orders').select(['prepay_id', 'status', 'order_amount', 'commission', 'payment_json']).execute();
  let wrongPaid = 0;
  let movedUnpaid = 0;
  for (const o of orderRows) {
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

  const checks: LedgerCheck[] = [
    ...base.checks,
    { name: 'paid-orders-have-their-transfers', ok: wrongPaid === 0, detail: `${orderRows.length} orders, ${wrongPaid} paid orders whose journal does not match` },
    { name: 'unpaid-orders-moved-no-money', ok: movedUnpaid === 0, detail: `${movedUnpaid} unpaid orders with transfers` },
  ];
  return { ...base, ok: checks.every((c) => c.ok), checks, problems, orders: orderRows.length };
}
