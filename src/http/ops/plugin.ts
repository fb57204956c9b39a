/**
 * Operations endpoints, outside both API surfaces and without the admin token:
 *   GET /healthz  liveness: the process answers (no database call, so a slow database never gets
 *                 a healthy process restarted)
 *   GET /readyz   readiness: database reachable and every migration applied; 503 with the reason
 *                 otherwise, and 503 from the moment graceful shutdown begins
 *   GET /metrics  Prometheus text format; requires `Authorization: Bearer <BPAY_METRICS_TOKEN>`
 *                 when that is set, open otherwise (docs/deployment.md)
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Errors } from '../../domain/errors.ts';
import { constantTimeEqual } from '../../lib/signature.ts';
import type { ReadinessProbe } from '../../services/ops.ts';
import type { AppMetrics } from './metrics.ts';

export interface OpsOptions {
  metrics: AppMetrics;
  readiness: ReadinessProbe;
  /** undefined: /metrics is open */
  metricsToken: string | undefined;
  shuttingDown(): boolean;
}

function json(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(body));
}

export function opsPlugin(options: OpsOptions) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    app.get('/healthz', async (_request, reply) => json(reply, 200, { status: 'ok' }));

    app.get('/readyz', async (_request, reply) => {
      if (options.shuttingDown()) return json(reply, 503, { status: 'unavailable', reason: 'shutting down' });
      const r = await options.readiness.check();
      if (options.shuttingDown()) return json(reply, 503, { status: 'unavailable', reason: 'shutting down' });
      return r.ready ? json(reply, 200, { status: 'ready', checks: r.checks }) : json(reply, 503, { status: 'unavailable', reason: r.reason, checks: r.checks });
    });

    app.get('/metrics', async (request, reply) => {
      if (options.metricsToken !== undefined) {
        const auth = request.headers.authorization ?? '';
        const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
        if (!token || !constantTimeEqual(token, options.metricsToken)) {
          return json(reply.header('www-authenticate', 'Bearer realm="metrics"'), 401, {
            status: 'FAIL',
            code: Errors.ADMIN_UNAUTHORIZED.code,
            errorMessage: 'Missing or wrong metrics token: send Authorization: Bearer <BPAY_METRICS_TOKEN>.',
          });
        }
      }
      const { contentType, body } = await options.metrics.render();
      return reply.code(200).header('cache-control', 'no-store').type(contentType).send(body);
    });
  };
}
