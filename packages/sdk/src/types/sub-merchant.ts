/** Sub-merchant add / modify, partners only (fact sheet §3.13). */
import type { Long } from './common.ts';

/** `POST /binancepay/openapi/submerchant/add`. */
export interface AddSubMerchantRequest {
  /** ≤128, unique under the main merchant. */
  merchantName: string;
  /** `0` online, `1` physical, `-1` both. */
  storeType: 0 | 1 | -1;
  /** 4-digit MCC, `9999` = other. */
  merchantMcc: string;
  /** `1` individual, `2` sole proprietor, `3` partnership, `4` private company, `5` other company. */
  merchantType?: 1 | 2 | 3 | 4 | 5;
  /** ISO alpha-2, comma-separated; `GO` = global. */
  country?: string;
  /** Required for online stores. */
  siteUrl?: string;
  /** Required for physical stores. */
  address?: string;
  /** Required when MCC is `9999`. */
  payIndustryDescription?: string;
  subPayMccCode?: string;
  subPayIndustryDescription?: string;
  brandLogo?: string;
  companyName?: string;
  registrationNumber?: string;
  registrationCountry?: string;
  registrationAddress?: string;
  /** Epoch ms. */
  incorporationDate?: number;
  /** `1` ID, `2` passport. */
  certificateType?: 1 | 2;
  certificateCountry?: string;
  certificateNumber?: string;
  /** Epoch ms. */
  certificateValidDate?: number;
  /** Epoch ms. */
  contractTimeIsv?: number;
  blockPayerKycCountries?: string[];
  /** Older revisions. */
  siteType?: 1 | 2 | 3 | 4;
  siteName?: string;
  mainMerchantId?: Long;
}

export interface AddSubMerchantResult {
  /** e.g. `2107268400000001`. */
  subMerchantId: Long;
}

/** `POST /binancepay/openapi/submerchant/modify`: same fields plus `subMerchantId`; type `1` no longer allowed. */
export interface ModifySubMerchantRequest extends Partial<Omit<AddSubMerchantRequest, 'merchantType'>> {
  /** All digits. */
  subMerchantId: string;
  merchantType?: 2 | 3 | 4 | 5;
}
