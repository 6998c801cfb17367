import { createIdentityClient } from '../../src/channels/identity/index.js';
import type { IdentityPort } from '../../src/risk/index.js';
import { identityKeyDefault, startIdentityService } from '../../sandbox/identity/index.js';

/** The sandbox identity service on a free port, and Hutong's connector to it. */
export async function sandboxIdentity(options: { failWith?: () => number | undefined } = {}): Promise<{
  port: IdentityPort;
  calls: () => number;
  close(): Promise<void>;
}> {
  const service = await startIdentityService({ port: 0, failWith: options.failWith });
  const client = createIdentityClient({ baseUrl: service.baseUrl, apiKey: identityKeyDefault, timeoutMs: 2_000 });
  return { port: client, calls: service.calls, close: () => service.close() };
}

/** Residents of the sandbox registry (sandbox/identity/residents.ts). */
export const zhangWei = {
  name: '张伟',
  id_number: '110101199003074514',
  bank_card: { number: '6222021000000000017', phone: '13800138000' },
};
export const liNa = { name: '李娜', id_number: '310115198506120026', bank_card: { number: '6228480000000000026', phone: '13912345678' } };
export const wangFang = {
  name: '王芳',
  id_number: '440304199211300332',
  bank_card: { number: '6217000000000000038', phone: '13700001111' },
};
export const liuYang = {
  name: '刘洋',
  id_number: '110105197808080010',
  bank_card: { number: '6225880000000000044', phone: '13600002222' },
};
export const zhaoMingde = { name: '赵明德', id_number: '320102198801010049' };
