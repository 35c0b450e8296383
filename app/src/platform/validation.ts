import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type BuildValidator = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']
>;

// Fastify's own validator compiler, the very version fastify depends on (resolved from fastify, not
// from here), so validation stays what fastify does by default but for the one setting below.
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
const ajvCompiler = fromFastify('@fastify/ajv-compiler') as () => BuildValidator;

/**
 * Coercion only where everything arrives as text: query strings, path parameters and headers
 * (`?limit=10` is the number 10). A JSON body carries its own types, so `{"first_name": 42}` is a
 * 400, not the string "42". Every other ajv option is the app's (see buildApp).
 */
export function coerceOnlyText(): BuildValidator {
  const build = ajvCompiler();
  return (externalSchemas, options) => {
    const coercing = build(externalSchemas, options);
    const strict = build(externalSchemas, {
      ...options,
      customOptions: { ...options?.customOptions, coerceTypes: false },
    } as Parameters<BuildValidator>[1]);
    return (route) => (route.httpPart === 'body' ? strict(route) : coercing(route));
  };
}
