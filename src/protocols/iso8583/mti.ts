/**
 * Message type indicators, ISO 8583:1987: four digits — version (0 = 1987), class (1
 * authorization, 2 financial, 4 reversal, 8 network management), function (0 request, 1 request
 * response, 2 advice, 3 advice response) and origin (0 acquirer, 1 acquirer repeat).
 */
export const MessageType = {
  AuthorizationRequest: '0100',
  AuthorizationResponse: '0110',
  FinancialRequest: '0200',
  FinancialResponse: '0210',
  FinancialAdvice: '0220',
  FinancialAdviceRepeat: '0221',
  FinancialAdviceResponse: '0230',
  ReversalRequest: '0400',
  ReversalRequestRepeat: '0401',
  ReversalResponse: '0410',
  NetworkManagementRequest: '0800',
  NetworkManagementResponse: '0810',
} as const;

const mtiPattern = /^0[0-9]{3}$/;

export function isMti(text: string): boolean {
  return mtiPattern.test(text);
}

/** Requests and advices (function 0 or 2) expect an answer; responses (1, 3) and notifications do not. */
export function expectsResponse(mti: string): boolean {
  const fn = mti[2];
  return fn === '0' || fn === '2';
}

/** The answer's MTI: function + 1, origin 0 (a repeat 0221 is answered by 0230). */
export function responseMtiOf(mti: string): string {
  const fn = Number(mti[2]);
  return `${mti.slice(0, 2)}${fn + 1}0`;
}

/** A repeat (origin 1) is the same message sent again: 0221 → 0220, 0401 → 0400. */
export function originalMtiOf(mti: string): string {
  return mti[3] === '1' ? `${mti.slice(0, 3)}0` : mti;
}
