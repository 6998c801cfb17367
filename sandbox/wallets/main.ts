// Starts the sandbox wallets on their own: `tsx sandbox/wallets/main.ts`.
// SANDBOX_WALLETS_PORT chooses the port (default 5802; 0 picks a free one);
// SANDBOX_ALIPAY_KEY, SANDBOX_WECHAT_KEY, SANDBOX_QUICKPASS_KEY the HMAC keys shared with Hutong
// (default each wallet's `keyDefault`, public, for the sandbox only); SANDBOX_WALLETS_PUBLIC_URL
// where shoppers reach the pay pages, if not http://127.0.0.1:<port> (at most 29 characters).
import { startWalletWorld, walletNames } from './index.js';

const portDefault = 5802;

function portFromEnv(text: string | undefined): number {
  if (text === undefined || text === '') return portDefault;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`SANDBOX_WALLETS_PORT must be a TCP port (0–65535), got ${JSON.stringify(text)}`);
  }
  return port;
}

const world = await startWalletWorld({
  port: portFromEnv(process.env.SANDBOX_WALLETS_PORT),
  keys: {
    alipay_sandbox: process.env.SANDBOX_ALIPAY_KEY || undefined,
    wechat_sandbox: process.env.SANDBOX_WECHAT_KEY || undefined,
    quickpass_sandbox: process.env.SANDBOX_QUICKPASS_KEY || undefined,
  },
  publicBaseUrl: process.env.SANDBOX_WALLETS_PUBLIC_URL || undefined,
  log: (line) => console.log(line),
});
console.log(`sandbox wallets: ${walletNames.map((wallet) => `${world.baseUrl}/${wallet}`).join(', ')}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void world.close().then(() => process.exit(0));
  });
}
