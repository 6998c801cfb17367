// Starts the sandbox identity service on its own: `tsx sandbox/identity/main.ts`.
// SANDBOX_IDENTITY_PORT chooses the port (default 5806; 0 picks a free one); SANDBOX_IDENTITY_KEY the
// API key callers must send (default the public sandbox key).
import { identityKeyDefault, startIdentityService } from './index.js';

const portDefault = 5806;
const text = process.env.SANDBOX_IDENTITY_PORT;
const port = text === undefined || text === '' ? portDefault : Number(text);
if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`SANDBOX_IDENTITY_PORT must be a TCP port, got ${text}`);

const service = await startIdentityService({ port, apiKey: process.env.SANDBOX_IDENTITY_KEY || identityKeyDefault });
console.log(`sandbox identity service: ${service.baseUrl} (POST /v1/id/verify, /v1/bank_cards/verify)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void service.close().then(() => process.exit(0));
  });
}
