// Starts the sandbox 3-D Secure world on its own: `tsx sandbox/three-d-secure/main.ts`.
// SANDBOX_3DS_PORT chooses the port (default 5801; 0 picks a free one); SANDBOX_3DS_SECRET the
// HMAC key shared with Hutong (default `sandboxSecretDefault`, public, for the sandbox only);
// SANDBOX_3DS_PUBLIC_URL where browsers reach it, if not http://127.0.0.1:<port>.
import { otpDefault, sandboxSecretDefault, startThreeDSecureWorld } from './index.js';

const portDefault = 5801;

function portFromEnv(text: string | undefined): number {
  if (text === undefined || text === '') return portDefault;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`SANDBOX_3DS_PORT must be a TCP port (0–65535), got ${JSON.stringify(text)}`);
  }
  return port;
}

const world = await startThreeDSecureWorld({
  port: portFromEnv(process.env.SANDBOX_3DS_PORT),
  secret: process.env.SANDBOX_3DS_SECRET || sandboxSecretDefault,
  publicBaseUrl: process.env.SANDBOX_3DS_PUBLIC_URL || undefined,
  log: (line) => console.log(line),
});
console.log(`3-D Secure world: POST ${world.baseUrl}/ds/authenticate; challenges accept the code ${otpDefault}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void world.close().then(() => process.exit(0));
  });
}
