import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpAcquirer, type HttpAcquirer } from '../../../sandbox/http-acquirer/index.js';
import { startCardWorld, testCardFor, type CardWorld, type TestCardOutcome } from '../../../sandbox/card-world/index.js';
import { acquirerKinds, createAcquirer } from '../catalogue.js';
import type { AuthorizeRequest, CardConnector } from '../connector.js';
import { authorizeWithFailover, reversalFor } from '../failover.js';
import { createConnectorRegistry } from '../registry.js';

/**
 * The second acquirer made from the template (a copy of src/channels/_template/ plus one line in
 * catalogue.ts), against its own sandbox: built by kind from the catalogue as `hutong start`
 * builds it, checked at registration, and failing over to and from the ISO 8583 acquirer.
 */
// Generous: a loaded machine must not turn an answer into a timeout; the silent cases cost this once each.
const timeoutMs = 1_500;

function request(outcome: TestCardOutcome, id: string): AuthorizeRequest {
  const card = testCardFor('visa', outcome);
  return {
    attemptId: id,
    card: { pan: card.pan, expiryYymm: card.expiryYymm, brand: 'visa', securityCode: '123' },
    amount: { minor: 2_500n, currency: 'USD' },
    merchant: { id: 'mer_http', name: 'HTTP Shop', country: 'CN', mcc: '5999' },
    capture: false,
  };
}

describe('the HTTP acquirer, made from the template', () => {
  let sandbox: HttpAcquirer;
  let down: HttpAcquirer;
  let world: CardWorld;
  let lite: CardConnector;

  beforeAll(async () => {
    sandbox = await startHttpAcquirer();
    down = await startHttpAcquirer({ issuerUnavailable: true });
    world = await startCardWorld({ port: 0 });
    lite = createAcquirer('http', { name: 'lite', host: '127.0.0.1', port: Number(new URL(sandbox.url).port), timeoutMs });
  });
  afterAll(async () => {
    await sandbox.close();
    await down.close();
    await world.close();
  });

  it('is one catalogue line: `hutong start` can build it by kind', () => {
    expect(Object.keys(acquirerKinds)).toEqual(expect.arrayContaining(['iso8583', 'http']));
    expect(() => createAcquirer('nope', { name: 'x', host: 'h', port: 1, timeoutMs })).toThrow(/no acquirer connector of kind "nope"/);
  });

  it('maps its answers to protocol-neutral outcomes', async () => {
    expect(await lite.authorize(request('approved', 'att_h1'))).toMatchObject({ status: 'approved', responseCode: '00' });
    expect(sandbox.held.get('att_h1')).toBe(2_500n);
    expect(await lite.authorize(request('insufficient-funds', 'att_h2'))).toMatchObject({
      status: 'declined',
      responseCode: '51',
      unavailable: false,
    });
    expect(await lite.authorize(request('issuer-inoperative', 'att_h3'))).toMatchObject({ status: 'declined', unavailable: true });
    expect(await lite.authorize(request('no-answer', 'att_h4'))).toMatchObject({ status: 'unknown', reason: 'timeout' });
    const gone = await startHttpAcquirer();
    const port = Number(new URL(gone.url).port);
    await gone.close();
    const unreachable = createAcquirer('http', { name: 'gone', host: '127.0.0.1', port, timeoutMs });
    expect(await unreachable.authorize(request('approved', 'att_h5'))).toMatchObject({ status: 'unknown', reason: 'not_sent' });
  });

  it('reverses what it holds, and a resend is answered, not charged again', async () => {
    const first = request('approved', 'att_h6');
    const approved = await lite.authorize(first);
    expect(await lite.authorize(first)).toEqual({ ...approved, sentAt: expect.any(Date) });
    expect(await lite.reverse(reversalFor(first, approved))).toMatchObject({ status: 'approved' });
    expect(sandbox.held.get('att_h6')).toBe(0n);
  });

  it('fails over from it to the ISO 8583 acquirer, and from the ISO 8583 acquirer to it', async () => {
    const iso = createAcquirer('iso8583', { name: 'iso', host: '127.0.0.1', port: world.acquirerPort, timeoutMs });
    const unavailable = createAcquirer('http', { name: 'lite_down', host: '127.0.0.1', port: Number(new URL(down.url).port), timeoutMs });
    const registry = createConnectorRegistry({ connectors: [unavailable, iso, lite], defaultRoute: ['lite_down', 'iso'] });
    const there = await authorizeWithFailover(
      registry.route({ brand: 'visa', currency: 'USD', merchantId: 'm' }),
      request('approved', 'att_h7'),
    );
    expect(there.attempts.map((a) => `${a.connector}:${a.outcome.status}`)).toEqual(['lite_down:declined', 'iso:approved']);
    const isoDown = await startCardWorld({ port: 0, switchInoperative: true });
    const isoUnavailable = createAcquirer('iso8583', { name: 'iso_down', host: '127.0.0.1', port: isoDown.acquirerPort, timeoutMs });
    const back = await authorizeWithFailover([isoUnavailable, lite], request('approved', 'att_h8'));
    expect(back.attempts.map((a) => `${a.connector}:${a.outcome.status}`)).toEqual(['iso_down:declined', 'lite:approved']);
    await Promise.all([iso.close(), isoUnavailable.close(), isoDown.close()]);
  });

  it('is refused at registration when it declares less than a card acquirer needs', () => {
    const noVoid = { ...lite, name: 'novoid', capabilities: { ...lite.capabilities, void: false } };
    expect(() => createConnectorRegistry({ connectors: [noVoid] })).toThrow(/must support void/);
    expect(() => createConnectorRegistry({ connectors: [{ ...lite, currencies: ['XYZ'] }] })).toThrow(/XYZ is not ISO 4217/);
    expect(() => createConnectorRegistry({ connectors: [{ ...lite, brands: [] }] })).toThrow(/accepts no brand/);
    expect(() => createConnectorRegistry({ connectors: [{ ...lite, name: 'Bad Name' }] })).toThrow(/must be 1–40/);
  });
});
