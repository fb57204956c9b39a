/** Batch payout, payout query and receiver check on the wire (fact sheet §3.8–3.10). */
import { z } from 'zod';
import { BIZ_SCENES, DETAIL_STATUS_FILTERS, MAX_PAYOUT_DETAILS, RECEIVE_TYPES, TRANSFER_METHODS, type DetailStatus, type Payout, type PayoutDetail } from '../../../domain/payout.ts';
import { formatAmount } from '../../../lib/amount.ts';
import { jsonNumber } from '../../../lib/json.ts';
import type { PayoutInput } from '../../../services/payouts.ts';
import { amount, DIGITS, integer, LETTERS_DIGITS, list, obj, oneOf, opt, req, str, url } from './fields.ts';

const detail = obj({
  merchantSendId: req(str({ max: 32, chars: LETTERS_DIGITS, charsLabel: 'letters and digits only' })),
  receiveType: req(oneOf(RECEIVE_TYPES)),
  receiver: req(str({ max: 128, numeric: true })),
  transferAmount: req(amount()),
  transferMethod: req(oneOf(TRANSFER_METHODS)),
  remark: opt(str({ max: 128 })),
  registrationEmail: opt(str({ max: 128 })),
  registrationMobileNumber: opt(str({ max: 32 })),
  registrationMobileCode: opt(str({ max: 8 })),
});

export const payoutSchema = obj({
  requestId: req(str({ max: 32, chars: LETTERS_DIGITS, charsLabel: 'letters and digits only' })),
  bizScene: opt(oneOf(BIZ_SCENES)),
  batchName: req(str({ max: 32 })),
  currency: req(str({ max: 10, chars: /^[A-Z0-9]+$/, charsLabel: 'upper-case letters and digits only' })),
  totalAmount: req(amount()),
  totalNumber: req(integer({ min: 1, max: MAX_PAYOUT_DETAILS })),
  transferDetailList: req(list(detail, { min: 1, max: MAX_PAYOUT_DETAILS })),
  webhookUrl: opt(url(256)),
  subMerchantId: opt(str({ max: 19, chars: DIGITS, charsLabel: 'digits only', numeric: true })),
});

export function toPayoutInput(body: z.output<typeof payoutSchema>): PayoutInput {
  return {
    requestId: body.requestId,
    bizScene: body.bizScene ?? 'DIRECT_TRANSFER',
    batchName: body.batchName,
    currency: body.currency,
    totalAmount: body.totalAmount,
    totalNumber: body.totalNumber,
    webhookUrl: body.webhookUrl,
    subMerchantId: body.subMerchantId,
    details: body.transferDetailList.map((d) => ({
      merchantSendId: d.merchantSendId,
      receiveType: d.receiveType,
      receiver: d.receiver,
      transferAmount: d.transferAmount,
      transferMethod: d.transferMethod,
      remark: d.remark,
      extra: Object.fromEntries(Object.entries({ registrationEmail: d.registrationEmail, registrationMobileNumber: d.registrationMobileNumber, registrationMobileCode: d.registrationMobileCode }).filter(([, v]) => v !== undefined)),
    })),
  };
}

/** detailStatus: a string or a list (clients send either, fact sheet §3.9). */
const statusFilter = z.union([oneOf(DETAIL_STATUS_FILTERS), z.array(oneOf(DETAIL_STATUS_FILTERS))]);

export const payoutQuerySchema = obj({
  requestId: req(str({ max: 32 })),
  detailStatus: opt(statusFilter),
});

export function detailStatuses(filter: z.output<typeof statusFilter> | undefined): DetailStatus[] | 'ALL' {
  const list = filter === undefined ? ['ALL'] : Array.isArray(filter) ? filter : [filter];
  if (list.length === 0 || list.includes('ALL')) return 'ALL';
  return list as DetailStatus[];
}

export function payoutAccepted(payout: Payout) {
  return { requestId: payout.requestId, status: 'ACCEPTED' };
}

export function payoutQueryResult(payout: Payout, details: PayoutDetail[]) {
  return {
    requestId: payout.requestId,
    batchStatus: payout.status,
    merchantId: payout.merchantId,
    currency: payout.currency,
    totalAmount: jsonNumber(formatAmount(payout.totalAmount)),
    totalNumber: payout.totalNumber,
    transferDetailList: details.map((d) => ({
      orderId: jsonNumber(d.detailId),
      merchantSendId: d.merchantSendId,
      payerId: payout.merchantId,
      amount: formatAmount(d.amount),
      receiveType: d.receiveType,
      receiver: d.receiver,
      ...(d.payeeBinanceId !== null ? { payeeId: jsonNumber(d.payeeBinanceId) } : {}),
      transferMethod: d.transferMethod,
      status: d.status,
      ...(d.remark !== null ? { remark: d.remark } : {}),
    })),
  };
}

export const receiverCheckSchema = obj({
  receiveType: req(oneOf(['BINANCE_ID', 'PAY_ID'] as const)),
  receiverId: req(str({ max: 32, numeric: true })),
  registrationEmail: opt(str({ max: 128 })),
  registrationMobileNumber: opt(str({ max: 32 })),
  registrationMobileCode: opt(str({ max: 8 })),
  openUserId: opt(str({ max: 64 })),
});
