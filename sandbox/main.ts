// Starts the sandbox card world on its own: `tsx sandbox/main.ts`.
// SANDBOX_ACQUIRER_PORT chooses the acquirer's TCP port (default 5800; 0 picks a free one).
import { startCardWorld } from './card-world/index.js';
import { startCustomsWorld } from './customs/index.js';

const acquirerPortDefault = 5800;

function portFromEnv(text: string | undefined): number {
  if (text === undefined || text === '') return acquirerPortDefault;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`SANDBOX_ACQUIRER_PORT must be a TCP port (0–65535), got ${JSON.stringify(text)}`);
  }
  return port;
}

const world = await startCardWorld({
  port: portFromEnv(process.env.SANDBOX_ACQUIRER_PORT),
  log: (line) => console.log(line),
});
console.log(`card world: acquiring bank host listening on ${world.host}:${world.acquirerPort} (ISO 8583:1987 ASCII, 2-byte length prefix)`);
// The customs world (single window, platform, carrier) on free ports; `tsx sandbox/customs/main.ts` runs it alone on fixed ones.
const customs = await startCustomsWorld({ log: (line) => console.log(line) });
console.log(`customs single window: ${customs.customs.baseUrl}/ceb/messages; platform and carrier: ${customs.partners.baseUrl}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.all([world.close(), customs.close()]).then(() => process.exit(0));
  });
}
