/**
 * Trade authenticity of an export receipt (SAFE, Huifa 2019 No.13: a payment institution checks
 * each cross-border transaction against its electronic trade data; domain.md §8). The three orders
 * of an export sale are the order (the merchant's order number), the payment (Hutong's own record)
 * and the logistics (carrier and waybill). A pure rule, property-tested:
 *
 * - no shipment yet, within `shipmentDueDays` of the payment: awaiting_shipment;
 * - no shipment after `shipmentDueDays`: flagged `no_shipment`;
 * - shipped to another country than the card's (when the rule is on and the card's country is
 *   known): flagged `destination_not_card_country`;
 * - shipped and nothing flagged: matched.
 */
export type Authenticity = 'matched' | 'awaiting_shipment' | 'flagged';
export const exportFlags = ['no_shipment', 'destination_not_card_country'] as const;
export type ExportFlag = (typeof exportFlags)[number];

export interface AuthenticityRule {
  readonly shipmentDueDays: number;
  readonly destinationRule: 'card_country' | 'off';
}

export function authenticityOf(
  trade: {
    readonly paidAt: string;
    readonly cardCountry: string | null;
    readonly destinationCountry: string | null;
    readonly shipped: boolean;
  },
  now: Date,
  rule: AuthenticityRule,
): { authenticity: Authenticity; flags: ExportFlag[] } {
  const flags: ExportFlag[] = [];
  const due = new Date(trade.paidAt).getTime() + rule.shipmentDueDays * 86_400_000;
  if (!trade.shipped && now.getTime() >= due) flags.push('no_shipment');
  if (
    trade.shipped &&
    rule.destinationRule === 'card_country' &&
    trade.cardCountry !== null &&
    trade.destinationCountry !== null &&
    trade.destinationCountry !== trade.cardCountry
  )
    flags.push('destination_not_card_country');
  if (flags.length > 0) return { authenticity: 'flagged', flags };
  return { authenticity: trade.shipped ? 'matched' : 'awaiting_shipment', flags };
}
