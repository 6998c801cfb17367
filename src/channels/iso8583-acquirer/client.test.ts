import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedAcquirer, type Reply, type Script, type ScriptedAcquirer } from '../../../sandbox/card-world/index.js';
import { responseMtiOf, type Iso8583Message } from '../../protocols/iso8583/index.js';
import type { AuthorizeRequest } from '../connector.js';
import { createIso8583Acquirer, type Iso8583AcquirerConnector, type Iso8583AcquirerOptions } from './flows.js';
import { stanOf } from './stan.js';

/** The connector against an acquirer that misbehaves on purpose. */
const timeoutMs = 250;
const slackMs = 400;

const base: AuthorizeRequest = {
  attemptId: 'att_client',
  card: { pan: '4111111111111004', expiryYymm: '4912', brand: 'visa' },
  amount: { minor: 1_000n, currency: 'USD' },
  merchant: { id: 'mer_client', name: 'Client Test', country: 'CN', mcc: '5999' },
  capture: false,
};

let attempts = 0;

/** A new attempt each time: the STAN comes from the attempt id. */
function request(): AuthorizeRequest {
  attempts += 1;
  return { ...base, attemptId: `att_client_${attempts}` };
}

function approve(message: Iso8583Message, extra: Record<number, string> = {}): Iso8583Message {
  return {
    mti: responseMtiOf(message.mti),
    fields: { ...message.fields, 37: '616610000001', 38: 'OK' + message.fields[11]!.slice(2), 39: '00', ...extra },
  };
}

const opened: { acquirers: ScriptedAcquirer[]; connectors: Iso8583AcquirerConnector[] } = { acquirers: [], connectors: [] };

afterEach(async () => {
  await Promise.all(opened.connectors.map((c) => c.close()));
  await Promise.all(opened.acquirers.map((a) => a.close()));
  opened.acquirers = [];
  opened.connectors = [];
});

async function setup(
  script: Script,
  options: Partial<Iso8583AcquirerOptions> = {},
): Promise<{ acquirer: ScriptedAcquirer; connector: Iso8583AcquirerConnector; lines: string[] }> {
  const acquirer = await startScriptedAcquirer(script);
  const lines: string[] = [];
  const connector = createIso8583Acquirer({
    host: acquirer.host,
    port: acquirer.port,
    timeoutMs,
    log: (line) => lines.push(line),
    ...options,
  });
  opened.acquirers.push(acquirer);
  opened.connectors.push(connector);
  return { acquirer, connector, lines };
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const startedMs = Date.now();
  const value = await work;
  return { value, elapsedMs: Date.now() - startedMs };
}

/** Polls `condition` every few ms, for at most waitMsMax. */
async function until(condition: () => boolean, waitMsMax = 1_000): Promise<void> {
  const deadline = Date.now() + waitMsMax;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A TCP port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('integrity check', () => {
  it('treats an answer with another amount as unknown (integrity), even an approval', async () => {
    const { connector } = await setup((message, reply) => reply(approve(message, { 4: '000000000999' })));
    expect(await connector.authorize(request())).toMatchObject({ status: 'unknown', reason: 'integrity', trace: { mti: '0100' } });
  });

  it('treats an answer in another currency as unknown (integrity)', async () => {
    const { connector } = await setup((message, reply) => reply(approve(message, { 49: '156' })));
    expect(await connector.authorize(request())).toMatchObject({ status: 'unknown', reason: 'integrity' });
  });
});

describe('matching answers to requests', () => {
  it('matches answers that come back in the other order by STAN', async () => {
    const held: [Iso8583Message, Reply][] = [];
    const { connector } = await setup((message, reply) => {
      held.push([message, reply]);
      if (held.length === 2) for (const [m, r] of [...held].reverse()) r(approve(m));
    });
    const [one, two] = [request(), request()];
    const [first, second] = await Promise.all([connector.authorize(one), connector.authorize(two)]);
    expect(held[0]![0].fields[11]).toBe(stanOf(one.attemptId));
    expect(first).toMatchObject({
      status: 'approved',
      authorizationCode: 'OK' + stanOf(one.attemptId).slice(2),
      trace: { stan: stanOf(one.attemptId) },
    });
    expect(second).toMatchObject({
      status: 'approved',
      authorizationCode: 'OK' + stanOf(two.attemptId).slice(2),
      trace: { stan: stanOf(two.attemptId) },
    });
  });

  it('drops an answer that arrives after its timeout and serves the next request normally', async () => {
    let count = 0;
    const { connector, lines } = await setup((message, reply) => {
      count += 1;
      if (count === 1) setTimeout(() => reply(approve(message)), timeoutMs + 50);
      else reply(approve(message));
    });
    const late = request();
    const { value, elapsedMs } = await timed(connector.authorize(late));
    expect(value).toMatchObject({ status: 'unknown', reason: 'timeout' });
    expect(elapsedMs).toBeLessThan(timeoutMs + slackMs);
    await until(() => lines.some((line) => line.includes(`dropped unmatched 0110 stan=${stanOf(late.attemptId)}`)));
    expect(await connector.authorize(request())).toMatchObject({ status: 'approved' });
  });

  it('survives a garbage answer: the request times out, the connection stays usable', async () => {
    let count = 0;
    const { connector, lines } = await setup((message, reply) => {
      count += 1;
      reply(count === 1 ? Buffer.from('0110ZZZZgarbage', 'latin1') : approve(message));
    });
    expect(await connector.authorize(request())).toMatchObject({ status: 'unknown', reason: 'timeout' });
    expect(lines.some((line) => line.includes('dropped malformed response'))).toBe(true);
    expect(await connector.authorize(request())).toMatchObject({ status: 'approved' });
  });

  it('reports an answer without DE 39 as a malformed response', async () => {
    const { connector } = await setup((message, reply) => reply({ mti: responseMtiOf(message.mti), fields: { ...message.fields } }));
    expect(await connector.authorize(request())).toMatchObject({ status: 'unknown', reason: 'malformed_response' });
  });
});

describe('the connection', () => {
  it('reports connection_lost, not a timeout, when the acquirer drops the connection mid-request', async () => {
    const acquirerRef: { current?: ScriptedAcquirer } = {};
    const { acquirer, connector } = await setup(() => acquirerRef.current?.dropConnections());
    acquirerRef.current = acquirer;
    const { value, elapsedMs } = await timed(connector.authorize(request()));
    expect(value).toMatchObject({ status: 'unknown', reason: 'connection_lost' });
    expect(elapsedMs).toBeLessThan(timeoutMs);
  });

  it('reports not_sent when no acquirer listens, and never waits past timeoutMs', async () => {
    const port = await closedPort();
    const connector = createIso8583Acquirer({ host: '127.0.0.1', port, timeoutMs });
    opened.connectors.push(connector);
    for (let i = 0; i < 3; i++) {
      const { value, elapsedMs } = await timed(connector.authorize(request()));
      expect(value).toMatchObject({ status: 'unknown', reason: 'not_sent' });
      expect(elapsedMs).toBeLessThan(timeoutMs + slackMs);
    }
  });

  it('reconnects after the acquirer closed the connection, and after it restarted', async () => {
    const { acquirer, connector } = await setup((message, reply) => reply(approve(message)));
    expect(await connector.authorize(request())).toMatchObject({ status: 'approved' });
    acquirer.dropConnections();
    await until(() => !connector.connected);
    expect(await connector.authorize(request())).toMatchObject({ status: 'approved' });
    const port = acquirer.port;
    await acquirer.close();
    await until(() => !connector.connected);
    expect(await connector.authorize(request())).toMatchObject({ status: 'unknown', reason: 'not_sent' });
    const restarted = await startScriptedAcquirer((message, reply) => reply(approve(message)), { port });
    opened.acquirers.push(restarted);
    // One failed attempt so far: the next one waits reconnectDelayMinMs (50 ms), within timeoutMs.
    expect(await connector.authorize(request())).toMatchObject({ status: 'approved' });
  });

  it('answers not_sent at once while the reconnect backoff exceeds timeoutMs, and still reconnects', async () => {
    const port = await closedPort();
    const connector = createIso8583Acquirer({ host: '127.0.0.1', port, timeoutMs, reconnectDelayMinMs: 600 });
    opened.connectors.push(connector);
    expect(await connector.authorize(request())).toMatchObject({ status: 'unknown', reason: 'not_sent' });
    const { value, elapsedMs } = await timed(connector.authorize(request()));
    expect(value).toMatchObject({ status: 'unknown', reason: 'not_sent' });
    expect(elapsedMs).toBeLessThan(50);
    const acquirer = await startScriptedAcquirer((message, reply) => reply(approve(message)), { port });
    opened.acquirers.push(acquirer);
    await until(() => connector.connected, 2_000);
    expect(await connector.authorize(request())).toMatchObject({ status: 'approved' });
  });

  it('refuses requests beyond inFlightMax without sending them', async () => {
    const { acquirer, connector } = await setup(() => undefined, { inFlightMax: 1 });
    const [first, second] = await Promise.all([connector.authorize(request()), connector.authorize(request())]);
    expect(first).toMatchObject({ status: 'unknown', reason: 'timeout' });
    expect(second).toMatchObject({ status: 'unknown', reason: 'not_sent' });
    expect(acquirer.received).toHaveLength(1);
  });

  it('refuses a second request with the same STAN while the first is in flight', async () => {
    const { acquirer, connector } = await setup(() => undefined);
    const same = request();
    const [first, second] = await Promise.all([connector.authorize(same), connector.authorize(same)]);
    expect([first.status, second.status]).toEqual(['unknown', 'unknown']);
    expect([first, second].map((o) => (o as { reason: string }).reason).sort()).toEqual(['not_sent', 'timeout']);
    expect(acquirer.received).toHaveLength(1);
  });

  it('settles requests in flight when closed', async () => {
    const { acquirer, connector } = await setup(() => undefined);
    const pending = connector.authorize(request());
    await until(() => acquirer.received.length > 0);
    await connector.close();
    expect(await pending).toMatchObject({ status: 'unknown', reason: 'connection_lost' });
    expect(await connector.authorize(request())).toMatchObject({ status: 'unknown', reason: 'not_sent' });
  });
});
