import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isFailure } from '../../core/index.js';
import type { InteropService } from '../../interop/index.js';
import { decodedQrView, DecodedQrView } from '../presenters/interop.js';
import { isProblemCode, ProblemError } from '../problems.js';
import { problemResponses } from '../schemas.js';

/** EMV MPM payloads are at most 512 characters; CPM base64 of 1 KB is about 1,400. */
const payloadCharsMax = 1400;

const DecodeBody = Type.Object(
  {
    payload: Type.String({ minLength: 1, maxLength: payloadCharsMax, description: 'The text a QR code or bar code carries' }),
    mode: Type.Optional(
      Type.Union([Type.Literal('strict'), Type.Literal('lenient')], {
        description: 'strict (default): a code that breaks any rule is refused, each violation named; lenient: read what can be read',
      }),
    ),
  },
  { additionalProperties: false },
);

export function registerInteropRoutes(fastify: FastifyInstance, services: { interop: InteropService }): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { interop } = services;

  app.post(
    '/v1/qr_codes/decode',
    {
      config: { auth: 'merchant' },
      schema: {
        summary: 'Decode an EMV QR code (MPM or CPM) or a payment code, naming every violation of the standard',
        tags: ['interop'],
        body: DecodeBody,
        response: { 200: DecodedQrView, ...problemResponses },
      },
    },
    async (request) => {
      const result = interop.decode(request.body.payload, request.body.mode ?? 'strict');
      if (!isFailure(result)) return decodedQrView(result);
      if ('violations' in result) {
        throw new ProblemError(
          'qr_code_invalid',
          result.detail,
          result.violations.map((v) => ({ field: v.field, message: `${v.code}: ${v.message}` })),
        );
      }
      throw new ProblemError(isProblemCode(result.failure) ? result.failure : 'internal_error', result.detail);
    },
  );
}
