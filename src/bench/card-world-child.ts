import { startCardWorld } from '../../sandbox/card-world/index.js';
import type { CardWorldReply, CardWorldRequest, IssuerAccount } from './card-world-job.js';

/**
 * The sandbox card world (acquirer host, networks, issuers) in its own process, so that its ISO 8583
 * work does not share the server's event loop. It is `tsx sandbox/main.ts` without the log line per
 * message (thousands a second under load) and with an IPC channel: it reports its port when it
 * listens, and the issuers' accounts when asked, so the bench can check what the issuers posted.
 * SANDBOX_ACQUIRER_PORT chooses the port as in sandbox/main.ts (unset or 0: any free port).
 */
const send = process.send?.bind(process);
if (send === undefined) throw new Error('card-world-child runs as a child process of the benchmark (fork), not on its own');
const reply = (message: CardWorldReply) => send(message);

const port = Number(process.env.SANDBOX_ACQUIRER_PORT ?? '0');
try {
  const world = await startCardWorld({ port, host: '127.0.0.1' });
  process.on('message', (request: CardWorldRequest) => {
    if (request.kind === 'close') {
      process.removeAllListeners('disconnect');
      void world.close().then(() => process.disconnect());
      return;
    }
    const accounts: IssuerAccount[] = request.pans.map((pan) => {
      const account = world.cardholder(pan);
      return { pan, postedMinor: String(account?.postedMinor ?? 0n), pendingMinor: String(account?.pendingMinor ?? 0n) };
    });
    reply({ kind: 'snapshot', accounts });
  });
  // The bench died without saying close: do not outlive it.
  process.once('disconnect', () => void world.close().then(() => process.exit(0)));
  reply({ kind: 'ready', port: world.acquirerPort });
} catch (error) {
  reply({ kind: 'failed', error: error instanceof Error ? error.message : String(error) });
  process.disconnect();
}
