/**
 * The Chinese of the customs views (customs-views.ts), keyed by their English; words.ts spreads it
 * into its table, so `t()` takes these keys too and a word without its Chinese does not type-check.
 */
export const customsZh = {
  Customs: '海关申报',
  'Customs declarations': '海关支付单申报',
  'All customs declarations': '全部海关支付单申报',
  'Customs declaration {id}': '海关申报 {id}',
  'Order no.': '订单编号',
  'Customs office': '海关关区',
  'Amount declared (CNY)': '申报金额（人民币）',
  "Customs' reason": '海关回执说明',
  'Status history': '状态历史',
  Version: '版本',
  'Receipt code': '回执代码',
  'What to fix': '如何处理',
  'Modify and push again': '修改并重新推送',
  'Pushed again as version {v}.': '已作为第 {v} 版重新推送。',
  'No declarations match.': '没有符合条件的申报。',
  'Rejection reasons': '退单原因',
  'Declarations returned or in error on this page, by customs’ reason.': '本页被海关退单或出错的申报，按海关回执说明汇总。',
  Declarations: '申报数',
  'Sub-order': '子订单',
  Payer: '支付人',
  'Payment amount': '支付金额',
  'Locked rate to CNY': '锁定的人民币汇率',
  'Push attempts': '推送次数',
  'Declared payments go to the customs single window as CEB411 payment slips; customs answers with receipts.':
    '已申报的支付以 CEB411 支付单报送海关单一窗口，海关以回执答复。',
  'Customs has no e-commerce order for this order number: the platform must send its order (CEB311), then push this slip again.':
    '海关没有该订单编号的电商订单：请电商平台先报送订单（CEB311），再重新推送本支付单。',
  'Customs has no waybill for this order: the carrier must send its waybill (CEB511).':
    '海关没有该订单的运单：请物流企业报送运单（CEB511）。',
  'The amount paid on the platform’s order differs from this payment slip: correct the order (goods value + freight + tax − discount = the amount paid), or modify the declaration, then push again.':
    '电商订单的实际支付金额与本支付单不一致：请更正订单（货值 + 运费 + 税款 − 优惠 = 实际支付金额）或修改申报，然后重新推送。',
  'The platform’s order names another buyer than this payment’s payer: the order’s buyer must be the payer (name and ID number).':
    '电商订单的订购人与本支付单的支付人不一致：订购人须为支付人本人（姓名和身份证件号码）。',
  'The consignee on the order differs from the waybill’s: correct one of them.': '订单收货人与运单收货人不一致：请更正其中之一。',
  'The buyer’s yearly cross-border import allowance is spent: this order cannot clear this year; refund it.':
    '订购人本年度跨境电商零售进口额度已用完：本订单今年无法通关，请退款。',
  'The order is above the CNY 5,000 single-order limit: split it or refund it.': '订单超过单次交易限值（人民币 5,000 元）：请拆分或退款。',
  'Customs could not verify Hutong’s signature: the operator must register Hutong’s customs certificate with the single window, then push again.':
    '海关未能验证互通的签名：请运营人员在单一窗口备案互通的海关证书，然后重新推送。',
  'Customs already has this payment slip: modify the declaration instead of declaring it again.':
    '海关已有该支付单：请修改申报，而不是重复申报。',
  'Hutong is not registered with customs as a declarant: the operator registers it with the single window.':
    '互通未在海关备案为申报企业：请运营人员在单一窗口办理备案。',
  'Customs released the goods; the slip cannot be withdrawn.': '清单已放行，支付单不能撤销。',
  'Customs could not be reached; Hutong stopped retrying. Check the link to the single window, then push again.':
    '无法连接海关，互通已停止重试。请检查与单一窗口的连接，然后重新推送。',
  'Read customs’ reason, correct the order, waybill or declaration, then push again.':
    '请阅读海关回执说明，更正订单、运单或申报后重新推送。',
  'Waiting for customs’ answer.': '等待海关回执。',
  'Pending push': '待推送',
  Submitted: '已申报',
  'Accepted (120)': '海关已入库（120）',
  'Returned (100)': '海关退单（100）',
  Error: '出错',
  Withdrawing: '撤销中',
  Withdrawn: '已撤销',
} as const satisfies Record<string, string>;
