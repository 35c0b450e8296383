import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

/** The OpenAPI document of the whole API, built from the route schemas and served at /openapi.json. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Highload social network',
        version: '1.2.0',
        description:
          'Implements the OTUS Highload Architect contract (otus-openapi.json 1.2.0, otus-asyncapi.json) exactly; ' +
          'paths described as "Added" extend it. Error bodies are {message, request_id, code}.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
