import { isFailure, newId } from '../core/index.js';
import { parseReceipt } from './ceb.js';
import type { CustomsDeps } from './model.js';
import { recordStep } from './rows.js';
import { verifySignature } from './signer.js';
import { eventOfReturnStatus, transition, type DeclarationStatus } from './state.js';

export type ReceiptOutcome = 'applied' | 'recorded' | 'duplicate' | 'unknown_guid' | 'bad_signature' | 'not_a_receipt';

const eventTypes: Record<DeclarationStatus, string> = {
  pending: 'customs_declaration.created',
  submitted: 'customs_declaration.submitted',
  accepted: 'customs_declaration.accepted',
  returned: 'customs_declaration.returned',
  failed: 'customs_declaration.failed',
  withdrawing: 'customs_declaration.withdrawing',
  withdrawn: 'customs_declaration.withdrawn',
};

/**
 * One receipt from customs (pushed, polled or the synchronous answer): matched to its declaration
 * by the guid of the message it answers, kept, and applied when it is for the current version and
 * moves the state forward. A receipt is applied once however often it arrives; one for a guid we
 * never sent is logged and ignored; one customs did not sign is ignored.
 */
export async function applyReceipt(deps: CustomsDeps, xml: string): Promise<ReceiptOutcome> {
  const key = deps.customsPublicKeyPem();
  if (key === undefined || !verifySignature(xml, key)) {
    deps.log('customs: a receipt without a valid customs signature was ignored');
    return 'bad_signature';
  }
  const receipt = parseReceipt(xml);
  if (receipt === undefined || receipt.kind !== 'CEB412') return 'not_a_receipt';
  const sent = await deps.store.reader
    .selectFrom('customs_messages')
    .select(['declaration_id', 'version'])
    .where('guid', '=', receipt.guid)
    .where('direction', '=', 'out')
    .executeTakeFirst();
  if (sent === undefined) {
    deps.log(`customs: receipt for unknown guid ${receipt.guid.slice(0, 36)} (returnStatus ${receipt.returnStatus.slice(0, 12)}) ignored`);
    return 'unknown_guid';
  }
  const at = deps.clock.now();
  return deps.writer.run(
    async (trx): Promise<ReceiptOutcome> => {
      const seen = await trx
        .selectFrom('customs_messages')
        .select('id')
        .where('guid', '=', receipt.guid)
        .where('direction', '=', 'in')
        .where('return_status', '=', receipt.returnStatus)
        .executeTakeFirst();
      if (seen !== undefined) return 'duplicate';
      await trx
        .insertInto('customs_messages')
        .values({
          id: newId('cmsg', at.getTime()),
          declaration_id: sent.declaration_id,
          version: sent.version,
          guid: receipt.guid,
          kind: receipt.kind,
          direction: 'in',
          return_status: receipt.returnStatus,
          body_sealed: deps.seal(xml),
          created_at: at.toISOString(),
        })
        .execute();
      const row = await trx.selectFrom('customs_declarations').selectAll().where('id', '=', sent.declaration_id).executeTakeFirstOrThrow();
      const event = eventOfReturnStatus(receipt.returnStatus);
      const next = event === undefined ? undefined : transition(row.status as DeclarationStatus, event);
      // A receipt for an older version, or one that does not move the state (a late 2 after 120), is kept only.
      if (BigInt(row.version) !== BigInt(sent.version) || next === undefined || isFailure(next) || next === row.status) return 'recorded';
      const moved = await trx
        .updateTable('customs_declarations')
        .set({ status: next, return_status: receipt.returnStatus, return_info: receipt.returnInfo, updated_at: at.toISOString() })
        .where('id', '=', row.id)
        .where('status', '=', row.status)
        .executeTakeFirst();
      if (moved.numUpdatedRows !== 1n) return 'recorded';
      await recordStep(trx, deps.events, row.id, {
        version: BigInt(row.version),
        status: next,
        returnStatus: receipt.returnStatus,
        returnInfo: receipt.returnInfo,
        at: at.toISOString(),
        eventType: eventTypes[next],
      });
      return 'applied';
    },
    { keys: [`customs.declaration:${sent.declaration_id}`] },
  );
}

/** Polls customs for receipts after `cursor`; returns the new cursor. Safe to repeat: receipts apply once. */
export async function pollReceipts(deps: CustomsDeps, copCode: string, cursor: number): Promise<{ cursor: number; applied: number }> {
  if (deps.gateway === undefined) return { cursor, applied: 0 };
  let applied = 0;
  let next = cursor;
  for (const r of await deps.gateway.poll(copCode, cursor)) {
    if ((await applyReceipt(deps, r.xml)) === 'applied') applied++;
    next = Math.max(next, r.seq);
  }
  return { cursor: next, applied };
}
