import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyTypeProvider } from 'fastify';

/**
 * Types route handlers from their TypeBox schemas; fastify's own Ajv validates with the same schemas.
 * (@fastify/type-provider-typebox 6 needs typebox 1.x, this project has @sinclair/typebox 0.34.)
 */
export interface TypeBoxProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}
