/**
 * Operator roles and what each may do (issue 16: least privilege per route). A route belongs to
 * one area (src/api/operator-access.ts); a role is granted a set of areas. Reading is granted to
 * every role; each change needs its area. The `ok_` operator key is the `automation` role.
 */
export const operatorRoles = ['admin', 'finance', 'risk', 'support'] as const;
export type OperatorRole = (typeof operatorRoles)[number];

/** read: any GET; risk: screening, limits, rules, reviews, cases; finance: settlement, payouts, reconciliation, fees, rates; admin: merchants, keys, operators. */
export type OperatorArea = 'read' | 'risk' | 'finance' | 'admin';

const grants: Readonly<Record<OperatorRole | 'automation', readonly OperatorArea[]>> = {
  admin: ['read', 'admin', 'finance', 'risk'],
  finance: ['read', 'finance'],
  risk: ['read', 'risk'],
  support: ['read'],
  automation: ['read', 'admin', 'finance', 'risk'],
};

export function mayAct(role: OperatorRole | 'automation', area: OperatorArea): boolean {
  return grants[role].includes(area);
}

export function isOperatorRole(value: string): value is OperatorRole {
  return (operatorRoles as readonly string[]).includes(value);
}
