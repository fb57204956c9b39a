/**
 * Simulated payers ("Binance users"): created with a numeric Binance ID, funded from the platform
 * issuer account through the ledger, and given a per-merchant openUserId as Binance does.
 */
import { Errors, fail } from '../domain/errors.ts';
import { payerAccount, platformAccount, type AccountBalance } from '../domain/ledger.ts';
import type { Payer } from '../domain/payer.ts';
import type { Amount } from '../lib/amount.ts';
import { randomDigits, randomHex } from '../lib/ids.ts';
import { balancesOf, post } from '../ledger/ledger.ts';
import { isUniqueViolation, withTransaction, type Tx } from '../store/db.ts';
import * as repo from '../store/payers-repo.ts';
import type { ServiceDeps } from './deps.ts';
import { claimEmailPayouts } from './payouts.ts';

export interface Funding {
  asset: string;
  amount: Amount;
  wallet?: 'FUNDING' | 'SPOT';
}

export function checkAsset(deps: ServiceDeps, asset: string): void {
  if (!deps.settings.assets.includes(asset)) {
    fail(Errors.BAD_ADMIN_REQUEST, `unknown asset ${asset}; this server knows ${deps.settings.assets.join(', ')} (add more with BPAY_ASSETS)`);
  }
}

export async function createPayer(deps: ServiceDeps, input: { email?: string | null; name?: string | null; fund?: Funding[] }): Promise<Payer> {
  const email = input.email ? input.email.trim().toLowerCase() : null;
  for (const f of input.fund ?? []) checkAsset(deps, f.asset);
  if (email && (await repo.findPayerByEmail(deps.store.db, email))) fail(Errors.CONFLICT, `a payer with email ${email} already exists`);
  for (let attempt = 0; ; attempt++) {
    const binanceId = randomDigits(9);
    try {
      const payer = await withTransaction(deps.store, async (tx) => {
        const nowMs = deps.clock.now();
        await repo.insertPayer(tx.db, { binanceId, email, name: input.name ?? null, nowMs });
        for (const f of input.fund ?? []) await fundInTx(tx, binanceId, f, nowMs);
        const created = await repo.findPayer(tx.db, binanceId);
        if (!created) throw new Error('payer vanished inside its own transaction');
        return created;
      });
      await afterPayerCreated(deps, payer);
      return payer;
    } catch (error) {
      if (isUniqueViolation(error)) {
        if (email && (await repo.findPayerByEmail(deps.store.db, email))) fail(Errors.CONFLICT, `a payer with email ${email} already exists`);
        if (attempt < 5) continue;
      }
      throw error;
    }
  }
}

/**
 * Email payouts waiting for this payer are paid now (the payout worker would also find them at its
 * next pass, so a failure here only delays them).
 */
async function afterPayerCreated(deps: ServiceDeps, payer: Payer): Promise<void> {
  if (!payer.email) return;
  try {
    await claimEmailPayouts(deps, payer.email);
  } catch (error) {
    deps.log.warn({ err: error, binanceId: payer.binanceId }, 'claiming email payouts failed; the payout worker will retry');
  }
}

async function fundInTx(tx: Tx, binanceId: string, f: Funding, nowMs: number): Promise<void> {
  if (f.amount <= 0n) fail(Errors.BAD_ADMIN_REQUEST, 'funding amount must be positive');
  await post(
    tx,
    [{ debit: platformAccount('ISSUER', f.asset), credit: payerAccount(binanceId, f.asset, f.wallet ?? 'FUNDING'), amount: f.amount, kind: 'FUNDING', refType: 'payer', refId: binanceId }],
    nowMs,
  );
}

export async function getPayer(deps: ServiceDeps, binanceId: string): Promise<Payer> {
  const payer = await repo.findPayer(deps.store.db, binanceId);
  if (!payer) fail(Errors.NOT_FOUND, `payer ${binanceId} not found`);
  return payer;
}

export async function fundPayer(deps: ServiceDeps, binanceId: string, funding: Funding): Promise<AccountBalance[]> {
  checkAsset(deps, funding.asset);
  await getPayer(deps, binanceId);
  await withTransaction(deps.store, (tx) => fundInTx(tx, binanceId, funding, deps.clock.now()));
  return payerBalances(deps, binanceId);
}

export function payerBalances(deps: ServiceDeps, binanceId: string): Promise<AccountBalance[]> {
  return balancesOf(deps.store.db, { ownerType: 'PAYER', ownerId: binanceId });
}

export function listPayers(deps: ServiceDeps, opts: { limit?: number; afterId?: string }): Promise<Payer[]> {
  return repo.listPayers(deps.store.db, { limit: Math.min(opts.limit ?? 100, 1000), afterId: opts.afterId });
}

/** Binance gives each payer a stable, merchant-specific opaque id (32 hex in samples, fact sheet §7.1). */
export async function openUserIdFor(tx: Tx, binanceId: string, merchantId: number, nowMs: number): Promise<string> {
  const existing = await repo.findOpenUserId(tx.db, binanceId, merchantId);
  if (existing) return existing;
  await repo.insertOpenUserId(tx.db, binanceId, merchantId, randomHex(16), nowMs);
  const created = await repo.findOpenUserId(tx.db, binanceId, merchantId);
  if (!created) throw new Error('openUserId vanished inside its own transaction');
  return created;
}
