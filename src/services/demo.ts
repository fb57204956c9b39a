/**
 * The quick-start sandbox: a demo merchant with an API key and a funded demo payer, created on
 * first start and printed on every start (the demo secret is recoverable because it is sealed,
 * not hashed). Turn it off with BPAY_DEMO=false.
 */
import { wholeAmount } from '../lib/amount.ts';
import { findDemoMerchant, listApiKeys } from '../store/merchants-repo.ts';
import { findPayerByEmail } from '../store/payers-repo.ts';
import { isApiKeyUsable } from '../domain/merchant.ts';
import type { ServiceDeps } from './deps.ts';
import { createApiKey, createMerchant, revealSecret } from './merchants.ts';
import { createPayer } from './payers.ts';

export const DEMO_PAYER_EMAIL = 'demo.payer@example.com';
export const DEMO_FUNDING = [
  { asset: 'USDT', amount: wholeAmount(10_000) },
  { asset: 'USDC', amount: wholeAmount(1_000) },
  { asset: 'BNB', amount: wholeAmount(50) },
  { asset: 'BTC', amount: wholeAmount(1) },
];

export interface DemoCredentials {
  merchantId: number;
  merchantName: string;
  apiKey: string;
  apiSecret: string;
  payerBinanceId: string;
  payerEmail: string;
}

export async function ensureDemo(deps: ServiceDeps): Promise<DemoCredentials> {
  let merchant = await findDemoMerchant(deps.store.db);
  if (!merchant) merchant = (await createMerchant(deps, { name: 'Demo Shop', isDemo: true })).merchant;
  const keys = (await listApiKeys(deps.store.db, merchant.merchantId)).filter((k) => isApiKeyUsable(k, deps.clock.now()));
  const apiKey = keys[0]?.apiKey ?? (await createApiKey(deps, merchant.merchantId, 'demo')).apiKey;
  const apiSecret = await revealSecret(deps, apiKey);
  const payer = (await findPayerByEmail(deps.store.db, DEMO_PAYER_EMAIL)) ?? (await createPayer(deps, { email: DEMO_PAYER_EMAIL, name: 'Demo Payer', fund: DEMO_FUNDING }));
  return { merchantId: merchant.merchantId, merchantName: merchant.name, apiKey, apiSecret, payerBinanceId: payer.binanceId, payerEmail: DEMO_PAYER_EMAIL };
}
