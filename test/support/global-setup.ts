/**
 * Runs once before the workers start: unpacks the packaged Chromium (test/web/world.ts) so that
 * two workers never unpack it into the same path at once.
 */
export default async function setup(): Promise<void> {
  if (process.env.HUTONG_CHROMIUM !== undefined && process.env.HUTONG_CHROMIUM !== '') return;
  const packaged = (await import('@sparticuz/chromium')).default;
  await packaged.executablePath();
}
