import type { Command } from 'commander';
import { isFailure } from '../core/index.js';
import { decodeQr, defaultParticipants, defaultPaymentCodeRules } from '../interop/index.js';

/**
 * `hutong qr decode <payload>`: the decoder of POST /v1/qr_codes/decode, offline. Exit 0 with the
 * reading as JSON; exit 1 naming every violation (strict) or when the code is not recognised.
 */
export function registerQrCommands(program: Command): void {
  const qr = program.command('qr').description('EMV QR codes and payment codes');
  qr.command('decode')
    .description('decode an EMV MPM or CPM payload or a payment code; strict unless --lenient')
    .argument('<payload>', 'the text the code carries (quote it)')
    .option('--lenient', 'read what can be read and list the violations instead of refusing')
    .action((payload: string, options: { lenient?: boolean }) => {
      const deps = { participants: defaultParticipants, paymentCodeRules: defaultPaymentCodeRules };
      const result = decodeQr(deps, payload, options.lenient === true ? 'lenient' : 'strict');
      if (isFailure(result)) {
        console.error(`${result.failure}: ${'violations' in result ? 'the code breaks the EMV QR standard' : result.detail}`);
        if ('violations' in result) for (const v of result.violations) console.error(`  ${v.field}  ${v.code}  ${v.message}`);
        process.exitCode = 1;
        return;
      }
      console.log(JSON.stringify(result, null, 2));
    });
}
