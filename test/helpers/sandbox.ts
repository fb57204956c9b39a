/** Sandbox actions through the admin API, for tests. */
import type { TestServer } from './server.ts';

export interface PayerInfo {
  binanceId: string;
  email: string | null;
  balances: Array<{ wallet: string; asset: string; balance: string; available: string; pending: string }>;
}

export async function createPayer(server: TestServer, fund: string[] = ['1000:USDT'], email?: string): Promise<PayerInfo> {
  return server.adminOk<PayerInfo>('POST', '/payers', { fund, ...(email ? { email } : {}) });
}

export async function payerAvailable(server: TestServer, binanceId: string, asset: string): Promise<string> {
  const p = await server.adminOk<PayerInfo>('GET', `/payers/${binanceId}`);
  return p.balances.find((b) => b.asset === asset && b.wallet === 'FUNDING')?.available ?? '0.00000000';
}

export async function merchantAvailable(server: TestServer, merchantId: number, asset: string, wallet = 'FUNDING'): Promise<string> {
  const list = await server.adminOk<Array<{ wallet: string; asset: string; available: string }>>('GET', `/merchants/${merchantId}/balances`);
  return list.find((b) => b.asset === asset && b.wallet === wallet)?.available ?? '0.00000000';
}

export function pay(server: TestServer, prepayId: string, payer: string, currency?: string) {
  return server.admin<Record<string, unknown>>('POST', `/orders/${prepayId}/pay`, { payer, ...(currency ? { currency } : {}) });
}

export async function verifyLedger(server: TestServer): Promise<{ ok: boolean; problems: string[]; checks: Array<{ name: string; ok: boolean }> }> {
  return server.adminOk('GET', '/ledger/verify');
}
