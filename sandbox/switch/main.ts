// Starts the sandbox switch on its own: `tsx sandbox/switch/main.ts`.
// SANDBOX_SWITCH_PORT (default 5805), HUTONG_URL (default http://127.0.0.1:4000), HUTONG_SWITCH_KEY.
import { startSwitch } from './index.js';

const world = await startSwitch({
  port: Number(process.env.SANDBOX_SWITCH_PORT ?? 5805),
  hutongUrl: process.env.HUTONG_URL ?? 'http://127.0.0.1:4000',
  hutongKey: process.env.HUTONG_SWITCH_KEY,
});
console.log(`sandbox switch listening on ${world.url}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void world.close().then(() => process.exit(0)));
