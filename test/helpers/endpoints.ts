/**
 * Every Binance Pay endpoint the server implements, with a body that passes validation.
 * The authentication matrix (auth.test.ts) and the fuzz test run over this list, so an endpoint
 * added here is covered by them automatically.
 */
import type { TestServer, MerchantCredentials } from './server.ts';

export interface EndpointCase {
  path: string;
  /** takes no parameters: "", {}, [] and null must all be accepted */
  bodyless?: boolean;
  /** a valid request body for this merchant (may create state first) */
  sampleBody(server: TestServer, merchant: MerchantCredentials): Promise<unknown>;
  /** true when sampleBody answers SUCCESS; false when it is valid but answers a business error */
  succeeds: boolean;
}

export const ENDPOINTS: EndpointCase[] = [
  { path: '/binancepay/openapi/certificates', bodyless: true, succeeds: true, sampleBody: async () => ({}) },
];

/** Codes that mean "authentication/transport rejected the request". */
export const AUTH_CODES = ['400002', '400003', '400004', '400005', '400006', '400007', '400104'];
