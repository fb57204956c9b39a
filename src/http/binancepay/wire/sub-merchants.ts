/** Sub-merchant add and modify on the wire (fact sheet §3.13). */
import type { z } from 'zod';
import { DIGITS, integer, list, obj, oneOf, opt, req, str } from './fields.ts';

const ALPHA2 = /^[A-Z]{2}$/;
const COUNTRIES = /^(GO|[A-Z]{2})(,[A-Z]{2})*$/;

function fields(required: boolean) {
  const r = <T extends z.ZodType>(s: T) => (required ? req(s) : opt(s));
  return {
    merchantName: r(str({ max: 128 })),
    storeType: r(integer({ min: -1, max: 1 })),
    merchantMcc: r(str({ min: 4, max: 4, chars: /^\d{4}$/, charsLabel: 'a 4-digit MCC' })),
    merchantType: opt(integer({ min: 1, max: 5 })),
    country: opt(str({ max: 1024, chars: COUNTRIES, charsLabel: 'ISO 3166 alpha-2 codes, comma-separated, or GO' })),
    siteUrl: opt(str({ max: 256 })),
    address: opt(str({ max: 1024 })),
    payIndustryDescription: opt(str({ max: 500 })),
    subPayMccCode: opt(str({ min: 4, max: 4, chars: /^\d{4}$/, charsLabel: 'a 4-digit MCC' })),
    subPayIndustryDescription: opt(str({ max: 500 })),
    brandLogo: opt(str({ max: 256 })),
    companyName: opt(str({ max: 64 })),
    registrationNumber: opt(str({ max: 64 })),
    registrationCountry: opt(str({ min: 2, max: 2, chars: ALPHA2, charsLabel: 'ISO 3166 alpha-2' })),
    registrationAddress: opt(str({ max: 1024 })),
    incorporationDate: opt(integer({ min: 0 })),
    certificateType: opt(oneOf(['1', '2'] as const).or(integer({ min: 1, max: 2 }))),
    certificateCountry: opt(str({ min: 2, max: 2, chars: ALPHA2, charsLabel: 'ISO 3166 alpha-2' })),
    certificateNumber: opt(str({ max: 64 })),
    certificateValidDate: opt(integer({ min: 0 })),
    contractTimeIsv: opt(integer({ min: 0 })),
    blockPayerKycCountries: opt(list(str({ min: 2, max: 2, chars: ALPHA2, charsLabel: 'ISO 3166 alpha-2' }), { max: 250 })),
  };
}

type Profile = { storeType?: number; merchantMcc?: string; siteUrl?: string; address?: string; payIndustryDescription?: string; subPayMccCode?: string; subPayIndustryDescription?: string };

/** Rules that tie fields together: online stores need a site, physical ones an address, MCC 9999 a description. */
function crossRules(v: Profile, ctx: z.RefinementCtx): void {
  const need = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message, params: { binanceCode: '400100' } });
  if ((v.storeType === 0 || v.storeType === -1) && v.siteUrl === undefined) need('siteUrl', 'is mandatory for online stores (storeType 0 or -1)');
  if ((v.storeType === 1 || v.storeType === -1) && v.address === undefined) need('address', 'is mandatory for physical stores (storeType 1 or -1)');
  if (v.merchantMcc === '9999' && v.payIndustryDescription === undefined) need('payIndustryDescription', 'is mandatory when merchantMcc is 9999');
  if (v.subPayMccCode === '9999' && v.subPayIndustryDescription === undefined) need('subPayIndustryDescription', 'is mandatory when subPayMccCode is 9999');
}

export const addSubMerchantSchema = obj({ ...fields(true), merchantName: req(str({ max: 128 })) }).superRefine(crossRules);

export const modifySubMerchantSchema = obj({
  subMerchantId: req(str({ max: 19, chars: DIGITS, charsLabel: 'digits only', numeric: true })),
  ...fields(false),
})
  .superRefine(crossRules)
  .superRefine((v, ctx) => {
    // since the modify API exists, individuals (merchantType 1) are no longer accepted (fact sheet §3.13)
    if (v.merchantType === 1) ctx.addIssue({ code: 'custom', path: ['merchantType'], message: 'must be 2, 3, 4 or 5 (1, individual, is not allowed)', params: { binanceCode: '400102' } });
  });

/** The profile to store: the fields as given, without the id. */
export function profileOf(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([k, v]) => v !== undefined && k !== 'subMerchantId'));
}
