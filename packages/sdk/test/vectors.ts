/** Literal test vectors from fact sheet §9 (shared with the server's tests). */

// §9 E
export const E_SECRET = 'uahr4nhailyq55yubuhuncnprfac73bcbz2qfafsevic1jruwunioxtoaozy122f';
export const E_TIMESTAMP = '1700000000000';
export const E_NONCE = '5RhaTrZPhknNv0kDSA2UQ67cPMVNS4sA';
export const E_BODY =
  '{"env":{"terminalType":"WEB"},"merchantTradeNo":"9825382937292","orderAmount":25.17,"currency":"USDT","description":"very good Ice Cream","goodsDetails":[{"goodsType":"01","goodsCategory":"D000","referenceGoodsId":"7876763A3B","goodsName":"Ice Cream","goodsDetail":"Greentea ice cream cone"}]}';
export const E_SIGNATURE =
  '9C47F2D9DE7A53BF405D2879A8E60E61641B65DC21C1637B3FF1A78B545010261579B540B26DC19624F3F3F63561182C219AF5107D122F45D2376B9630D55BB3';
export const E_EMPTY_SIGNATURE =
  'C6DC44046E287B982989AA2447D75BEDD66F853EDE129A65367AFEE026DE1AA1192AC26F63075EE254D97A23E09427743E2D5045637D754698C7BDB3ED29D739';
export const E_BRACES_SIGNATURE =
  'FC79BAB9CB42F2B54601311F4B7AFBF1DE72B715C3949DB5FF6D8BFB5D0255588BD0A4630D13782B1F8BE965A6C45A3BE76DB074B87F92EECC172E449980A6BB';

// §9 F
export const F_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEA0F0m11B4ACw8+Zt1uRHU
0Yh2qFeLhYA5hsbxjYPA3WJt88tzmV5/lJl8rdxkt6rSrvW2Ad/9Letg7i7lri/8
BxbasG7J1VvTHRMfdsa/0u6MK8W1ZVypkFc0WhTOk0IKwtVrmJPgWvWK4Y0b1cpa
663l1vwp9w8czWFOFlMBSS+scxTuxxV0fqTw12NgoYn94JtVzMnNYw+L8m13V07g
Cv3sPdj1So3Uwj8Ww3HVAntPHrJwl4b5KSTffqEEZNtuCqZyofOlc4YIeb3atBkp
KYTyB77DWDxvUuZMR4Jdy7ae1YeQKeH38R2FishHwi6CkBbW23eclbiyT3eAYjhr
Szhxj9b3F/IciNaxxCASd+AG44IfUOuce9xur5a1vIH/zC06rtNqASt8dGx7QwaL
PjJ5ILAMXgb9EuvGM5eacKunLraB5+CA+yI+/0oe0dupwvK5YYfOKqJ/0VypZlt6
5NGG0FYP/QN+ulcYGFQ/y11yXhtLTEg21VHUGmFjLXk81JLydKBxkM7b+msTNkJL
VDOp0bCekzIks5bYIRYYmmCcvC5uTeFUUlJFnuNWvblygEoRl1MdNk6K9fjSJyrl
5RhAIxJfHbf/K1r0JO42U2kzQdvsfDBMGtYSj61vpZawDJJLi0/NH3TbUDNUFbNQ
3Fzek3Mm5rk99lOHrzar6jkCAwEAAQ==
-----END PUBLIC KEY-----`;
export const F_SIGNATURE =
  'a/musJjLkWJLbBvm0/Hy11xS5O0dPDNay9d62dIE9O+35PNmkGJz3B189F89gU4lIrOMDaTOLAQv0qqasv/6mjvih5h3MIqaxVdtBCJpHbrd5UZ1jhuNZyFGYTenVNs0x2fTA3AXYi1NWwtCSGAZlf13J6+iVr0jGSH26XL+VjNifUCGiMpPPd0atYEZROL7X3xbzhFsILwGAshvPgtpQ8vEClHgLiFC2tuL5EOZ+pTsB8Rm1QGXOUcrqFYT5LLG0tX8wVSDReaKLVoyzW6wSlxfk/JBK0FdTwZH29zPFWVX5FPh9WjQoquKZkYpXr06xSpzXQ6kpxrcYmsC5JbS0RXqIqS199vEL1VbS8MiDMzjqzkjgCNwfmEZ4Pn4Lmoo2cIsbXUGA7YVMEtyFxYkRwwz8o2Ze9YBdg1ccstrLhRfWA2jpZ5H7lpAYrx6GQCaLwf9fUjeyOJXgndEm5+MMJZk5bAd1W302+ubobM5MCsnNzXonsJLhKcj0O+oCDBCgZrMfL/xGP+1+ifjZSASqWpRnYhBdbaM8jLUlAl7oQSnsAxgGqjg9UrzTOY2xmcxwMhtfPIboVUT6dIqu96LTcIjY3+oIGOj94Y/58iJd09Q0NHXTXLz0WGQAuzJpOwXwiGk+3ShDknn7lAxXL1atNojad6cpf3xrJkncG7UKG8=';

// §9 G
export const G_TIMESTAMP = '1646584911979';
export const G_NONCE = 'NldzYKVJuiwjCHQGlaZfwnbGaFLPimYH';
export const G_SERIAL = '1FAA1632AD1E0C9FCE84DD9B8757F471';
export const G_BODY = String.raw`{"bizType":"PAY","data":"{\"merchantTradeNo\":\"9825382937292\",\"totalFee\":0.88000000,\"transactTime\":1619508939664,\"currency\":\"USDT\",\"openUserId\":\"1211HS10K81f4273ac031\",\"productType\":\"Food\",\"productName\":\"Ice Cream\",\"tradeType\":\"WEB\",\"transactionId\":\"M_R_282737362839373\",\"commission\":0}","bizIdStr":"29383937493038367292","bizId":29383937493038367292,"bizStatus":"PAY_SUCCESS"}`;
export const G_SIGNATURE =
  'D0IR4ReJtM6DOesCauwWCZgxF0M5tS3H3y3X81NAkRdIukTlQ0zLxyis72n7xau35ShyH/VhleFd9kXBqN7SuPjBNsmENJkF2eHArSnjWKRUUUxtUQH/OEL86ecs0kPgh/iAXzxRr7ZSkj52FMgfCmv8tlj4WasjnXQGq7gFQxovRpeYx4gf+ThYrR9EfeK3KFAGz+JSyQsSd3sH59YYLSTuhWiQsUZ2e+Lk15pZnEDw9n4jpEurOK+0faih0EBtjmbhlMwDMl0ZAzMNV4Lq3YondXVIpPuz2mS0eWNcuJUdqlVXyPNUT4Rmrg7h37KgeQ/70WuUIS5UAopy86TtMw==';

// §9 H
export const H_REFUND_BODY = String.raw`{"bizType":"PAY_REFUND","data":"{\"merchantTradeNo\":\"6177e6ae81ce6f001b4a6233\",\"totalFee\":0.01,\"transactTime\":1635248421335,\"refundInfo\":{\"orderAmount\":\"0.01000000\",\"duplicateRequest\":\"N\",\"payerOpenId\":\"9aa0a8bb21cf5fbf049aad7db35dc3d3\",\"prepayId\":\"123289163323899904\",\"refundRequestId\":\"68711039982968853\",\"refundedAmount\":\"0.01000000\",\"remainingAttempts\":9,\"refundAmount\":\"0.01000000\"},\"currency\":\"BUSD\",\"commission\":0,\"openUserId\":\"b5ec36baaa5ab9a5cfb1c29c2057bd81\",\"productType\":\"LIVE_STREAM\",\"productName\":\"LIVE_STREAM\",\"tradeType\":\"APP\"}","bizId":123289163323899904,"bizStatus":"REFUND_SUCCESS"}`;
export const H_PAYOUT_BODY = String.raw`{"bizType":"PAYOUT","data":"{\"batchStatus\":\"SUCCESS\",\"currency\":\"USDT\",\"merchantId\":100100006288,\"requestId\":\"gg8127129\",\"totalAmount\":2.00000000,\"totalNumber\":2}","bizIdStr":"29383937493038367292","bizId":29383937493038367292,"bizStatus":"SUCCESS"}`;
export const H_QR_BODY =
  '{"bizType":"MERCHANT_QR_CODE","bizId":368899096379834368,"bizIdStr":"368899096379834368","bizStatus":"MERCHANT_QR_CODE_SCANED","data":{"qrContent":"https://pay.partner.com/xx","referId":"368899096379834368"}}';
