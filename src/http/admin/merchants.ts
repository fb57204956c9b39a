import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiKeyInfo, Merchant } from '../../domain/merchant.ts';
import { listCertificates, rotateSigningKey } from '../../services/certificates.ts';
import * as merchants from '../../services/merchants.ts';
import { isValidAllowlistEntry } from '../../services/request-auth.ts';
import { listAuditLog } from '../../services/audit.ts';
import { actorOf, idParam, parseAdmin, sendOk, type AdminContext } from './plugin.ts';
import { idFilter, pageLimit, rowIdCursor } from '../shared/cursors.ts';

const webhookUrl = z.string().max(256).regex(/^https?:\/\//i, 'must be an http(s) URL').refine((v) => URL.canParse(v), 'must be a valid URL');
const allowlist = z.array(z.string().refine(isValidAllowlistEntry, 'must be an IP address or CIDR range')).max(100);
const commissionRate = z.string().regex(/^(0(\.\d{1,8})?|1(\.0{1,8})?)$/, 'must be a decimal rate between 0 and 1, e.g. "0.01"');

const createBody = z.object({
  name: z.string().trim().min(1).max(128),
  webhookUrl: webhookUrl.nullish(),
  ipAllowlist: allowlist.nullish(),
  payClosedNotify: z.boolean().optional(),
});

const patchBody = z.object({
  name: z.string().trim().min(1).max(128).optional(),
  status: z.enum(['ACTIVE', 'SUSPENDED']).optional(),
  webhookUrl: webhookUrl.nullable().optional(),
  ipAllowlist: allowlist.nullable().optional(),
  payClosedNotify: z.boolean().optional(),
  commissionRate: commissionRate.nullable().optional(),
  newWebhookCertificate: z.boolean().optional(),
  sharePayerDetail: z.boolean().optional(),
});

const keyParams = z.object({ merchantId: idParam, apiKey: z.string().min(1) });
const merchantParams = z.object({ merchantId: idParam });

export function merchantView(m: Merchant) {
  return { ...m };
}

export function keyView(k: ApiKeyInfo) {
  return { ...k };
}

export function merchantRoutes(app: FastifyInstance, { deps }: AdminContext): void {
  app.post('/merchants', async (request, reply) => {
    const body = parseAdmin(createBody, request.body);
    const { merchant, key } = await merchants.createMerchant(deps, body, actorOf(request));
    if (!key) throw new Error('a top-level merchant is created with a key');
    // apiSecret is shown here once; it is stored sealed and never listed again
    return sendOk(reply, { merchantId: merchant.merchantId, apiKey: key.apiKey, apiSecret: key.apiSecret, merchant: merchantView(merchant) }, 201);
  });

  app.get('/merchants', async (request, reply) => {
    const q = parseAdmin(z.object({ limit: pageLimit(1000), after: idFilter }), request.query);
    const list = await merchants.listMerchants(deps, { ...(q.limit ? { limit: q.limit } : {}), ...(q.after ? { afterId: q.after } : {}) });
    return sendOk(reply, list.map(merchantView));
  });

  app.get('/merchants/:merchantId', async (request, reply) => {
    const { merchantId } = parseAdmin(merchantParams, request.params);
    return sendOk(reply, merchantView(await merchants.getMerchant(deps, merchantId)));
  });

  app.patch('/merchants/:merchantId', async (request, reply) => {
    const { merchantId } = parseAdmin(merchantParams, request.params);
    const body = parseAdmin(patchBody, request.body);
    return sendOk(reply, merchantView(await merchants.updateMerchant(deps, merchantId, body, actorOf(request))));
  });

  app.get('/merchants/:merchantId/keys', async (request, reply) => {
    const { merchantId } = parseAdmin(merchantParams, request.params);
    return sendOk(reply, (await merchants.listApiKeys(deps, merchantId)).map(keyView));
  });

  app.post('/merchants/:merchantId/keys', async (request, reply) => {
    const { merchantId } = parseAdmin(merchantParams, request.params);
    const body = parseAdmin(z.object({ label: z.string().max(64).nullish() }), request.body);
    const key = await merchants.createApiKey(deps, merchantId, body.label ?? null, actorOf(request));
    return sendOk(reply, { apiKey: key.apiKey, apiSecret: key.apiSecret, key: keyView(key.info) }, 201);
  });

  app.post('/merchants/:merchantId/keys/:apiKey/revoke', async (request, reply) => {
    const { merchantId, apiKey } = parseAdmin(keyParams, request.params);
    return sendOk(reply, keyView(await merchants.revokeApiKey(deps, merchantId, apiKey, actorOf(request))));
  });

  app.post('/merchants/:merchantId/keys/:apiKey/rotate', async (request, reply) => {
    const { merchantId, apiKey } = parseAdmin(keyParams, request.params);
    const body = parseAdmin(z.object({ overlapSeconds: z.number().int().min(0).max(30 * 24 * 3600).optional() }), request.body);
    const { created, previous } = await merchants.rotateApiKey(deps, merchantId, apiKey, (body.overlapSeconds ?? 24 * 3600) * 1000, actorOf(request));
    return sendOk(reply, { apiKey: created.apiKey, apiSecret: created.apiSecret, key: keyView(created.info), previous: keyView(previous) }, 201);
  });

  app.get('/audit', async (request, reply) => {
    const q = parseAdmin(z.object({ merchantId: idFilter, before: rowIdCursor, limit: pageLimit(1000) }), request.query);
    return sendOk(reply, await listAuditLog(deps, { ...(q.merchantId ? { merchantId: q.merchantId } : {}), ...(q.before ? { beforeId: q.before } : {}), ...(q.limit ? { limit: q.limit } : {}) }));
  });

  // ?kind=new: Binance's new platform certificate (docs/webhooks.md); default the legacy one
  const kindOf = (value: unknown) => parseAdmin(z.object({ kind: z.enum(['legacy', 'new']).default('legacy') }), value).kind;

  app.get('/certificates', async (request, reply) => sendOk(reply, await listCertificates(deps, kindOf(request.query))));

  app.post('/certificates/rotate', async (request, reply) => {
    const body = parseAdmin(z.object({ overlapSeconds: z.number().int().min(0).max(365 * 24 * 3600).optional(), kind: z.enum(['legacy', 'new']).optional() }), request.body);
    const kind = body.kind ?? 'legacy';
    const cert = await rotateSigningKey(deps, body.overlapSeconds === undefined ? undefined : body.overlapSeconds * 1000, actorOf(request), kind);
    return sendOk(reply, { current: cert, listed: await listCertificates(deps, kind) });
  });
}
