/** The dashboard plugin with all its pages (register under DASHBOARD_PREFIX). */
import type { ServiceDeps } from '../../services/deps.ts';
import { merchantRoutes } from './merchants.ts';
import { moneyRoutes } from './money.ts';
import { orderRoutes } from './orders.ts';
import { dashboardPlugin } from './plugin.ts';
import { webhookRoutes } from './webhooks.ts';

export { DASHBOARD_PREFIX } from './plugin.ts';

export function dashboard(deps: ServiceDeps, adminToken: string) {
  return dashboardPlugin(deps, adminToken, [orderRoutes, moneyRoutes, merchantRoutes, webhookRoutes]);
}
