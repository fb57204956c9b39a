import { listCertificates } from '../../../services/certificates.ts';
import type { BinanceRouter } from '../plugin.ts';

/** Query certificates: the public key(s) webhooks are signed with, current first (fact sheet §3.7). */
export function certificatesRoutes(router: BinanceRouter): void {
  router.post('/certificates', async ({ deps }) => listCertificates(deps), { bodyless: true });
}
