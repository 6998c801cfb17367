import { fail, type Failure } from '../core/index.js';
import { CustomsError } from './errors.js';
import type { CustomsDeps, CustomsRegistration } from './model.js';
import type { CustomsRegistrationsTable } from './schema.js';

/** Customs office codes are 4 digits; customs enterprise codes 10 (domain.md §7, the CEB schemas). */
export const customsOfficePattern = /^\d{4}$/;
export const enterpriseCodePattern = /^[0-9A-Z]{10}$/;
export const enterpriseNameLengthMax = 100;

export function toRegistration(row: CustomsRegistrationsTable): CustomsRegistration {
  return {
    merchantId: row.merchant_id,
    customsOffice: row.customs_office,
    ebpCode: row.ebp_code,
    ebpName: row.ebp_name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Creates or replaces the merchant's codes at one customs office. */
export async function register(
  deps: CustomsDeps,
  merchantId: string,
  input: { customsOffice: string; ebpCode: string; ebpName: string },
): Promise<CustomsRegistration | Failure<CustomsError>> {
  if (!customsOfficePattern.test(input.customsOffice))
    return fail(CustomsError.RegistrationInvalid, 'customs_office is a 4-digit customs office code (e.g. 0101)');
  if (!enterpriseCodePattern.test(input.ebpCode))
    return fail(CustomsError.RegistrationInvalid, 'ebp_code is the 10-character customs code of the e-commerce platform');
  const name = input.ebpName.trim();
  if (name.length === 0 || name.length > enterpriseNameLengthMax)
    return fail(CustomsError.RegistrationInvalid, `ebp_name is 1 to ${enterpriseNameLengthMax} characters`);
  const at = deps.clock.now().toISOString();
  return deps.writer.run(
    async (trx) => {
      await trx
        .insertInto('customs_registrations')
        .values({
          merchant_id: merchantId,
          customs_office: input.customsOffice,
          ebp_code: input.ebpCode,
          ebp_name: name,
          created_at: at,
          updated_at: at,
        })
        .onConflict((oc) =>
          oc.columns(['merchant_id', 'customs_office']).doUpdateSet({ ebp_code: input.ebpCode, ebp_name: name, updated_at: at }),
        )
        .execute();
      const row = await trx
        .selectFrom('customs_registrations')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .where('customs_office', '=', input.customsOffice)
        .executeTakeFirstOrThrow();
      return toRegistration(row);
    },
    { keys: [`customs.registration:${merchantId}`] },
  );
}

export async function listRegistrations(deps: CustomsDeps, merchantId: string): Promise<CustomsRegistration[]> {
  const rows = await deps.store.reader
    .selectFrom('customs_registrations')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .orderBy('customs_office')
    .execute();
  return rows.map(toRegistration);
}
