import { merchantWalletBalances } from '../../../services/balances.ts';
import type { BinanceRouter } from '../plugin.ts';
import { parseBody } from '../validation.ts';
import { balanceV1Result, balanceV1Schema, balanceV2Result, balanceV2Schema, walletOf } from '../wire/balance.ts';

/** Wallet balance v1 (one currency) and v2 (one or all), read from the ledger (fact sheet §3.11). */
export function balanceRoutes(router: BinanceRouter): void {
  router.post('/balance', async ({ deps, merchant, body }) => {
    const req = parseBody(balanceV1Schema, body);
    const [balance] = await merchantWalletBalances(deps, merchant.merchantId, walletOf(req.wallet), req.currency);
    if (!balance) throw new Error('a single-currency balance query returned nothing');
    return balanceV1Result(balance);
  });

  router.post('/v2/balance', async ({ deps, merchant, body }) => {
    const req = parseBody(balanceV2Schema, body);
    const balances = await merchantWalletBalances(deps, merchant.merchantId, walletOf(req.wallet), req.currency);
    return balanceV2Result(req.wallet, balances, deps.clock.now());
  });
}
