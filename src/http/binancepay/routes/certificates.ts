import { listCertificates, listNewCertificates } from '../../../services/certificates.ts';
import type { BinanceRouter } from '../plugin.ts';

/** Query certificates: the public key(s) webhooks are signed with, current first (fact sheet §3.7). */
export function certificatesRoutes(router: BinanceRouter): void {
  router.post('/certificates', async ({ deps }) => listCertificates(deps), { bodyless: true });
  /**
   * Query certificate new: the keys of BinancePay-Signature-New, empty until the new certificate is
   * enabled for the merchant. Binance's page does not show its path in any copy we have; this one is
   * our choice (docs/webhooks.md).
   */
  router.post('/certificates/new', async ({ deps, merchant }) => listNewCertificates(deps, merchant), { bodyless: true });
}
