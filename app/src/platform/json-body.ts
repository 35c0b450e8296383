import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies, except that an empty one is no body: client collections send `PUT /friend/set/1`
 * with a JSON content type and nothing in it, which must not be a 400.
 */
export function acceptEmptyJson(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });
}
