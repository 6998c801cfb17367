import { createHash, timingSafeEqual } from 'node:crypto';
import type { WorldContext } from './context.js';
import { newAuthenticationValue } from './directory-server.js';
import { eciAuthenticated, eciNotAuthenticated, type Transaction } from './model.js';
import { challengePage, completedPage, messagePage } from './pages.js';
import { signResult } from './token.js';

/** Wrong codes allowed before the authentication fails (status N). */
export const otpAttemptsMax = 3;
/** A submitted code is bounded before it is compared (the form's maxlength is 32). */
const otpCharsMax = 64;

export type AcsAnswer =
  { readonly kind: 'html'; readonly httpStatus: number; readonly html: string } | { readonly kind: 'redirect'; readonly location: string };

const notFound: AcsAnswer = { kind: 'html', httpStatus: 404, html: messagePage('No such verification', '找不到此验证') };

function html(httpStatus: number, text: string): AcsAnswer {
  return { kind: 'html', httpStatus, html: text };
}

/** The challenge can be answered only while it is open (status C); afterwards: 409, once decided. */
export function showChallenge(context: WorldContext, acsTransactionId: string): AcsAnswer {
  const transaction = context.store.byAcsId(acsTransactionId);
  if (transaction === undefined || transaction.flow !== 'challenge') return notFound;
  if (transaction.status !== 'C') return html(409, completedPage(transaction));
  return html(200, challengePage(transaction, { otpHint: context.otp }));
}

function otpMatches(expected: string, given: string): boolean {
  // Digests have equal lengths, so the comparison takes the same time whatever was typed.
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}

type Decision = 'Y' | 'N' | 'retry';

function decide(context: WorldContext, transaction: Transaction, form: URLSearchParams): Decision {
  const ageMs = context.clock.now().getTime() - transaction.createdAt.getTime();
  if (ageMs > context.challengeTtlMs) return 'N';
  if (form.get('cancel') === '1') return 'N';
  const otp = (form.get('otp') ?? '').trim().slice(0, otpCharsMax);
  if (otpMatches(context.otp, otp)) return 'Y';
  transaction.otpAttemptsFailed += 1;
  return transaction.otpAttemptsFailed >= otpAttemptsMax ? 'N' : 'retry';
}

/**
 * A submitted challenge form: the right code authenticates (Y), a cancel or the third wrong code
 * fails it (N), a wrong code before that shows the form again (422). A decided challenge sends
 * the browser on (303) to the requestor's notificationUrl with `?result=<signed token>`; its
 * result is issued once, and any later submission is answered 409 with a "finished" page.
 */
export function submitChallenge(context: WorldContext, acsTransactionId: string, form: URLSearchParams): AcsAnswer {
  const transaction = context.store.byAcsId(acsTransactionId);
  if (transaction === undefined || transaction.flow !== 'challenge') return notFound;
  if (transaction.status !== 'C') return html(409, completedPage(transaction));
  const decision = decide(context, transaction, form);
  if (decision === 'retry') {
    const attemptsLeft = otpAttemptsMax - transaction.otpAttemptsFailed;
    return html(422, challengePage(transaction, { otpHint: context.otp, attemptsLeft }));
  }
  return complete(context, transaction, decision);
}

function complete(context: WorldContext, transaction: Transaction, status: 'Y' | 'N'): AcsAnswer {
  const issuedAt = context.clock.now();
  transaction.status = status;
  transaction.eci = status === 'Y' ? eciAuthenticated : eciNotAuthenticated;
  if (status === 'Y') transaction.authenticationValue = newAuthenticationValue();
  transaction.resultIssuedAt = issuedAt;
  const token = signResult(
    {
      acsTransactionId: transaction.acsTransactionId,
      requestorTransactionId: transaction.requestorTransactionId,
      status,
      eci: transaction.eci,
      ...(transaction.authenticationValue === undefined ? {} : { authenticationValue: transaction.authenticationValue }),
      issuedAt: issuedAt.toISOString(),
    },
    context.secret,
  );
  const location = new URL(transaction.notificationUrl);
  location.searchParams.set('result', token);
  context.log(`3ds acs: ${transaction.acsTransactionId} ${status} after ${transaction.otpAttemptsFailed} wrong codes`);
  return { kind: 'redirect', location: location.toString() };
}
