import type { FastifyInstance } from 'fastify';
import { decodeUtf8 } from './text.ts';

/**
 * JSON bodies, decoded by the text rule (malformed UTF-8 is a 400, platform/text.ts), except that an
 * empty one is no body: client collections send `PUT /friend/set/1` with a JSON content type and
 * nothing in it, which must not be a 400. No other body type is read (text/plain is a 415).
 */
export function acceptEmptyJson(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    let text: string;
    try {
      text = decodeUtf8(body as Buffer);
    } catch (error) {
      return done(error as Error, undefined);
    }
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });
}
