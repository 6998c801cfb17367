import type { CustomsDeps, CustomsSettings } from './model.js';
import { applyReceipt } from './receipts.js';
import { recordStep } from './rows.js';
import { pushedStatuses, type DeclarationStatus } from './state.js';

/**
 * The push worker (a durable timer per declaration version): sends the version's one signed
 * CEB411 — the same bytes, the same guid, however often it is retried — and applies customs'
 * synchronous answer. Customs down: the next attempt waits twice as long (bounded); after
 * `pushAttemptsMax` the declaration fails with the last error, for a person to look at.
 */
export async function pushOne(
  deps: CustomsDeps,
  settings: CustomsSettings,
  job: { payload: Record<string, unknown> },
): Promise<undefined | { retryAt: Date }> {
  const id = String(job.payload.id);
  const version = BigInt(Number(job.payload.version));
  const row = await deps.store.reader.selectFrom('customs_declarations').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined || BigInt(row.version) !== version || !pushedStatuses.includes(row.status as DeclarationStatus)) return undefined;
  const message = await deps.store.reader
    .selectFrom('customs_messages')
    .select('body_sealed')
    .where('guid', '=', row.guid)
    .where('direction', '=', 'out')
    .executeTakeFirstOrThrow();
  const sent =
    deps.gateway === undefined
      ? { unavailable: 'no customs single window is configured' }
      : await deps.gateway.send(deps.open(message.body_sealed));
  let answer: { unavailable: string };
  if ('receiptXml' in sent) {
    const outcome = await applyReceipt(deps, sent.receiptXml);
    // An answer that is no receipt customs signed says nothing about the message: try again later.
    if (outcome !== 'bad_signature' && outcome !== 'not_a_receipt') return undefined;
    answer = { unavailable: `customs answered without a receipt it signed (${outcome})` };
  } else answer = sent;
  const attempts = BigInt(row.push_attempts) + 1n;
  const spent = attempts >= BigInt(settings.pushAttemptsMax);
  const at = deps.clock.now();
  await deps.writer.run(
    async (trx) => {
      const moved = await trx
        .updateTable('customs_declarations')
        .set({
          push_attempts: attempts,
          last_error: answer.unavailable.slice(0, 300),
          updated_at: at.toISOString(),
          ...(spent
            ? { status: 'failed', return_info: `customs unreachable after ${attempts} attempts: ${answer.unavailable.slice(0, 200)}` }
            : {}),
        })
        .where('id', '=', id)
        .where('version', '=', version)
        .where('status', '=', row.status)
        .executeTakeFirst();
      if (spent && moved.numUpdatedRows === 1n)
        await recordStep(trx, deps.events, id, {
          version,
          status: 'failed',
          returnStatus: null,
          returnInfo: 'customs unreachable',
          at: at.toISOString(),
          eventType: 'customs_declaration.failed',
        });
    },
    { keys: [`customs.declaration:${id}`] },
  );
  if (spent) return undefined;
  const delayMs = Math.min(settings.pushRetryBaseMs * 2 ** Number(attempts - 1n), settings.pushRetryMaxMs);
  return { retryAt: new Date(at.getTime() + delayMs) };
}
