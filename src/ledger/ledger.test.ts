import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { useLedger, uniqueOwner } from '../../test/support/ledger.js';
import { describeEachStore } from '../../test/support/stores.js';
import { isFailure } from '../core/failure.js';
import { balanceOf, chart, LedgerError, verifyLedger, type Entry } from './index.js';

describeEachStore('ledger', (dialect) => {
  const f = useLedger(dialect);

  async function wallets(currency = 'CNY') {
    const bank = await f.account(chart.reserveBank(currency, uniqueOwner('bank')));
    const a = await f.account(chart.customerWallet(uniqueOwner('cus'), currency));
    const b = await f.account(chart.customerWallet(uniqueOwner('cus'), currency));
    return { bank, a, b };
  }

  const move = (id: string, from: string, to: string, minor: bigint, currency = 'CNY') => ({
    id,
    reason: 'test.move',
    postings: [
      { accountId: from, currency, amountMinor: minor },
      { accountId: to, currency, amountMinor: -minor },
    ],
  });

  it('posts a balanced entry and moves cached balances', async () => {
    const { bank, a } = await wallets();
    const entry = await f.writer.run((trx) => f.ledger.post(trx, move(uniqueOwner('e'), bank, a, 1234n)));
    expect(isFailure(entry)).toBe(false);
    const wallet = await f.ledger.getAccount(f.store.reader, a);
    expect(balanceOf(wallet!)).toMatchObject({ postedMinor: 1234n, availableMinor: 1234n });
    expect(balanceOf((await f.ledger.getAccount(f.store.reader, bank))!).postedMinor).toBe(1234n);
    expect((await verifyLedger(f.store.reader)).ok).toBe(true);
  });

  it('refuses to overdraw a no-negative account and changes nothing', async () => {
    const { bank, a, b } = await wallets();
    await f.writer.run((trx) => f.ledger.post(trx, move(uniqueOwner('e'), bank, a, 100n)));
    const id = uniqueOwner('e');
    const result = await f.writer.run((trx) => f.ledger.post(trx, move(id, a, b, 101n)));
    expect(isFailure(result) && result.failure).toBe(LedgerError.InsufficientFunds);
    expect(await f.ledger.getEntry(f.store.reader, id)).toBeUndefined();
    expect(balanceOf((await f.ledger.getAccount(f.store.reader, a))!).postedMinor).toBe(100n);
    expect((await f.ledger.getAccount(f.store.reader, b))!.creditsPosted).toBe(0n);
  });

  it('records an entry id once: a replay returns it, other content is a conflict', async () => {
    const { bank, a } = await wallets();
    const id = uniqueOwner('e');
    const first = (await f.writer.run((trx) => f.ledger.post(trx, move(id, bank, a, 500n)))) as Entry;
    const again = (await f.writer.run((trx) => f.ledger.post(trx, move(id, bank, a, 500n)))) as Entry;
    expect(first.replayed).toBe(false);
    expect(again.replayed).toBe(true);
    const other = await f.writer.run((trx) => f.ledger.post(trx, move(id, bank, a, 501n)));
    expect(isFailure(other) && other.failure).toBe(LedgerError.EntryConflict);
    expect(balanceOf((await f.ledger.getAccount(f.store.reader, a))!).postedMinor).toBe(500n);
  });

  it('holds funds, then posts part of the hold exactly once and releases the rest', async () => {
    const { bank, a, b } = await wallets();
    await f.writer.run((trx) => f.ledger.post(trx, move(uniqueOwner('e'), bank, a, 1000n)));
    const holdId = uniqueOwner('h');
    await f.writer.run((trx) => f.ledger.hold(trx, move(holdId, a, b, 700n)));
    expect(balanceOf((await f.ledger.getAccount(f.store.reader, a))!)).toMatchObject({
      postedMinor: 1000n,
      pendingOutMinor: 700n,
      availableMinor: 300n,
    });
    // The hold reserves: spending more than what is left fails.
    const over = await f.writer.run((trx) => f.ledger.post(trx, move(uniqueOwner('e'), a, b, 301n)));
    expect(isFailure(over) && over.failure).toBe(LedgerError.InsufficientFunds);

    const postId = uniqueOwner('p');
    const posted = await f.writer.run((trx) => f.ledger.postPending(trx, { id: postId, pendingId: holdId, amountMinor: 600n }));
    expect(isFailure(posted)).toBe(false);
    expect(balanceOf((await f.ledger.getAccount(f.store.reader, a))!)).toMatchObject({
      postedMinor: 400n,
      pendingOutMinor: 0n,
      availableMinor: 400n,
    });
    expect(balanceOf((await f.ledger.getAccount(f.store.reader, b))!).postedMinor).toBe(600n);

    const replay = (await f.writer.run((trx) => f.ledger.postPending(trx, { id: postId, pendingId: holdId, amountMinor: 600n }))) as Entry;
    expect(replay.replayed).toBe(true);
    const twice = await f.writer.run((trx) => f.ledger.postPending(trx, { id: uniqueOwner('p'), pendingId: holdId }));
    expect(isFailure(twice) && twice.failure).toBe(LedgerError.PendingAlreadyPosted);
    const voided = await f.writer.run((trx) => f.ledger.voidPending(trx, { id: uniqueOwner('v'), pendingId: holdId }));
    expect(isFailure(voided) && voided.failure).toBe(LedgerError.PendingAlreadyPosted);
    expect(balanceOf((await f.ledger.getAccount(f.store.reader, a))!).postedMinor).toBe(400n);
    expect((await verifyLedger(f.store.reader)).ok).toBe(true);
  });

  it('voids a hold once, returning the funds; posting it afterwards fails', async () => {
    const { bank, a, b } = await wallets();
    await f.writer.run((trx) => f.ledger.post(trx, move(uniqueOwner('e'), bank, a, 50n)));
    const holdId = uniqueOwner('h');
    await f.writer.run((trx) => f.ledger.hold(trx, move(holdId, a, b, 50n)));
    const voided = await f.writer.run((trx) => f.ledger.voidPending(trx, { id: uniqueOwner('v'), pendingId: holdId }));
    expect(isFailure(voided)).toBe(false);
    expect(balanceOf((await f.ledger.getAccount(f.store.reader, a))!)).toMatchObject({
      postedMinor: 50n,
      availableMinor: 50n,
      pendingOutMinor: 0n,
    });
    const post = await f.writer.run((trx) => f.ledger.postPending(trx, { id: uniqueOwner('p'), pendingId: holdId }));
    expect(isFailure(post) && post.failure).toBe(LedgerError.PendingAlreadyVoided);
    const missing = await f.writer.run((trx) => f.ledger.postPending(trx, { id: uniqueOwner('p'), pendingId: 'nope' }));
    expect(isFailure(missing) && missing.failure).toBe(LedgerError.PendingNotFound);
    const tooMuch = uniqueOwner('h');
    await f.writer.run((trx) => f.ledger.hold(trx, move(tooMuch, bank, b, 10n)));
    const over = await f.writer.run((trx) => f.ledger.postPending(trx, { id: uniqueOwner('p'), pendingId: tooMuch, amountMinor: 11n }));
    expect(isFailure(over) && over.failure).toBe(LedgerError.PostExceedsPending);
    // The failed post left the hold pending: it can still be posted in full.
    const ok = await f.writer.run((trx) => f.ledger.postPending(trx, { id: uniqueOwner('p'), pendingId: tooMuch }));
    expect(isFailure(ok)).toBe(false);
  });

  it('rejects a posting in the wrong currency and an unknown account as failures', async () => {
    const { bank, a } = await wallets('CNY');
    const usd = await f.account(chart.reserveBank('USD', uniqueOwner('bank')));
    const mismatch = await f.writer.run((trx) =>
      f.ledger.post(trx, {
        id: uniqueOwner('e'),
        reason: 't',
        postings: [
          { accountId: usd, currency: 'CNY', amountMinor: 5n },
          { accountId: a, currency: 'CNY', amountMinor: -5n },
        ],
      }),
    );
    expect(isFailure(mismatch) && mismatch.failure).toBe(LedgerError.CurrencyMismatch);
    const unknown = await f.writer.run((trx) => f.ledger.post(trx, move(uniqueOwner('e'), bank, 'acct_missing', 5n)));
    expect(isFailure(unknown) && unknown.failure).toBe(LedgerError.AccountNotFound);
  });

  it('treats an unbalanced entry as a programmer error (assertion), writing nothing', async () => {
    const { bank, a } = await wallets();
    const id = uniqueOwner('e');
    await expect(
      f.writer.run((trx) =>
        f.ledger.post(trx, {
          id,
          reason: 't',
          postings: [
            { accountId: bank, currency: 'CNY', amountMinor: 5n },
            { accountId: a, currency: 'CNY', amountMinor: -4n },
          ],
        }),
      ),
    ).rejects.toThrow(/does not balance/);
    await expect(
      f.writer.run((trx) => f.ledger.post(trx, { id, reason: 't', postings: [{ accountId: bank, currency: 'CNY', amountMinor: 5n }] })),
    ).rejects.toThrow(/postings/);
    expect(await f.ledger.getEntry(f.store.reader, id)).toBeUndefined();
  });

  it('keeps journal entries and postings immutable in the database itself', async () => {
    const { bank, a } = await wallets();
    const id = uniqueOwner('e');
    await f.writer.run((trx) => f.ledger.post(trx, move(id, bank, a, 5n)));
    await expect(sql`update ledger_postings set amount = 6 where entry_id = ${id}`.execute(f.store.db)).rejects.toThrow(/immutable/);
    await expect(sql`delete from ledger_entries where id = ${id}`.execute(f.store.db)).rejects.toThrow(/immutable/);
  });

  it('verify names the offending account when a cached balance is tampered with', async () => {
    const { bank, a } = await wallets();
    await f.writer.run((trx) => f.ledger.post(trx, move(uniqueOwner('e'), bank, a, 77n)));
    await sql`update ledger_accounts set credits_posted = credits_posted + 1 where id = ${a}`.execute(f.store.db);
    const report = await verifyLedger(f.store.reader);
    expect(report.ok).toBe(false);
    const broken = report.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(broken).toContain('cached balances equal the sum of postings');
    expect(report.checks.find((c) => c.name === 'cached balances equal the sum of postings')!.offenders).toContain(a);
    await sql`update ledger_accounts set credits_posted = credits_posted - 1 where id = ${a}`.execute(f.store.db);
    expect((await verifyLedger(f.store.reader)).ok).toBe(true);
  });

  it('verify names an orphan posting', async () => {
    await sql`insert into ledger_postings (entry_id, seq, account_id, currency, amount) values ('orphan', 0, 'nowhere', 'CNY', 1)`.execute(
      f.store.db,
    );
    const report = await verifyLedger(f.store.reader);
    const check = report.checks.find((c) => c.name === 'every posting belongs to an entry and an account')!;
    expect(check.offenders).toEqual(['orphan']);
    // Postings are immutable, so the orphan stays in this suite's throwaway database: keep this test last.
  });
});
