import { jsonNumber } from '../../../lib/json.ts';
import { addSubMerchant, modifySubMerchant } from '../../../services/sub-merchants.ts';
import type { BinanceRouter } from '../plugin.ts';
import { parseBody } from '../validation.ts';
import { addSubMerchantSchema, modifySubMerchantSchema, profileOf } from '../wire/sub-merchants.ts';

/** Sub-merchant add and modify (fact sheet §3.13): `data` is `{ subMerchantId: <long> }`. */
export function subMerchantRoutes(router: BinanceRouter): void {
  router.post('/submerchant/add', async ({ deps, merchant, body }) => {
    const req = parseBody(addSubMerchantSchema, body);
    const sub = await addSubMerchant(deps, merchant, { ...profileOf(req), merchantName: req.merchantName });
    return { subMerchantId: jsonNumber(String(sub.merchantId)) };
  });

  router.post('/submerchant/modify', async ({ deps, merchant, body }) => {
    const req = parseBody(modifySubMerchantSchema, body);
    const sub = await modifySubMerchant(deps, merchant, req.subMerchantId, profileOf(req));
    return { subMerchantId: jsonNumber(String(sub.merchantId)) };
  });
}
