/** Profit sharing on the wire (fact sheet §3.14): integer statuses, finishTime in unix seconds. */
import type { Split, SplitReturn } from '../../../domain/profit-sharing.ts';
import { MAX_SPLIT_RECEIVERS } from '../../../domain/profit-sharing.ts';
import { formatAmount } from '../../../lib/amount.ts';
import { amount, DIGITS, integer, LETTERS_DIGITS, list, obj, opt, req, str, url } from './fields.ts';

const account = () => str({ max: 32, chars: DIGITS, charsLabel: 'a numeric Binance ID', numeric: true });
// "no special characters except , / ." (fact sheet §3.14)
const description = () => str({ max: 128, chars: /^[\p{L}\p{N} ,/.]+$/u, charsLabel: 'letters, digits, spaces and , / . only' });

export const receiverSchema = obj({ account: req(account()) });
export const queryReceiverSchema = obj({ pageNum: req(integer({ min: 1 })), pageSize: req(integer({ min: 1, max: 100 })) });

export const submitSplitSchema = obj({
  merchantRequestId: req(str({ max: 32, chars: LETTERS_DIGITS, charsLabel: 'letters and digits only' })),
  prepayOrderId: req(str({ max: 19, chars: DIGITS, charsLabel: 'digits only', numeric: true })),
  receiverList: req(list(obj({ account: req(account()), amount: req(amount()), description: opt(description()), webhookUrl: opt(url(256)) }), { min: 1, max: MAX_SPLIT_RECEIVERS })),
});

export const querySplitSchema = obj({
  merchantRequestId: req(str({ max: 32 })),
  prepayOrderId: req(str({ max: 19, chars: DIGITS, charsLabel: 'digits only', numeric: true })),
});

export const returnSchema = obj({
  prepayOrderId: req(str({ max: 19, chars: DIGITS, charsLabel: 'digits only', numeric: true })),
  splitOrderNo: opt(str({ max: 32, numeric: true })),
  originMerchantRequestId: opt(str({ max: 32 })),
  merchantReturnNo: req(str({ max: 32, chars: LETTERS_DIGITS, charsLabel: 'letters and digits only' })),
  transferOutAccount: req(account()),
  returnAmount: req(amount()),
  description: req(description()),
  webhookUrl: opt(url(256)),
});

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

export function splitResult(split: Split) {
  return {
    splitOrderNo: split.splitOrderNo,
    merchantRequestId: split.merchantRequestId,
    prepayOrderId: split.prepayId,
    status: split.status,
    receiverOrderDetails: split.details.map((d) => ({ account: d.account, amount: formatAmount(d.amount), failReason: d.failReason, detailId: d.detailId, status: d.status, finishTime: seconds(d.finishedAtMs) })),
  };
}

export function returnResult(r: SplitReturn) {
  return {
    prepayOrderId: r.prepayId,
    splitOrderNo: r.splitOrderNo,
    originMerchantRequestId: r.originMerchantRequestId,
    merchantReturnNo: r.merchantReturnNo,
    transferOutAccount: r.transferOutAccount,
    returnAmount: formatAmount(r.returnAmount),
    returnOrderNo: r.returnOrderNo,
    status: r.status,
    failReason: r.failReason,
    finishTime: seconds(r.finishedAtMs),
  };
}
