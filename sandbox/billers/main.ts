// Starts the sandbox billers on their own: `tsx sandbox/billers/main.ts`.
// SANDBOX_BILLERS_PORT is the first biller's port (default 5810; the five take 5810–5814; 0 = free ports).
import { sandboxBillerNames, startBillerWorld } from './index.js';

const portDefault = 5810;
const text = process.env.SANDBOX_BILLERS_PORT;
const basePort = text === undefined || text === '' ? portDefault : Number(text);
if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65_530)
  throw new Error(`SANDBOX_BILLERS_PORT must be a TCP port, got ${text}`);

const world = await startBillerWorld({ basePort });
for (const name of sandboxBillerNames) console.log(`sandbox biller ${name}: ${world.urls[name]}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void world.close().then(() => process.exit(0));
  });
}
