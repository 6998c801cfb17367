import type { FastifyInstance } from 'fastify';
import { ping } from '../../store/index.js';
import type { ApiServices } from '../context.js';

export function registerSystemRoutes(app: FastifyInstance, services: ApiServices): void {
  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await ping(services.store);
      return { status: 'ok', store: services.store.dialect };
    } catch {
      return reply.code(503).send({ status: 'unavailable', store: services.store.dialect });
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(services.metrics.registry.contentType);
    return services.metrics.registry.metrics();
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
