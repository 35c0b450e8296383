import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

interface Asset {
  body: Buffer;
  type: string;
  version: string;
}

const types: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

/** Read once at start: two small files do not need a static-file plugin. */
const assets = new Map<string, Asset>(
  ['app.css', 'app.js'].map((name) => {
    const body = readFileSync(new URL(`./assets/${name}`, import.meta.url));
    const version = createHash('sha256').update(body).digest('hex').slice(0, 12);
    return [name, { body, type: types[name.split('.').pop()!]!, version }];
  }),
);

/** The URL carries the content's hash, so browsers may keep a file forever and still see every change. */
export function assetUrl(name: string): string {
  return `/assets/${name}?v=${assets.get(name)?.version ?? '0'}`;
}

export function assetRoutes(app: FastifyInstance): void {
  app.get<{ Params: { name: string }; Querystring: { v?: string } }>(
    '/assets/:name',
    { logLevel: 'warn' },
    async (request, reply) => {
      const asset = assets.get(request.params.name);
      if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('no such file');
      const current = request.query.v === asset.version;
      return reply
        .type(asset.type)
        .header('cache-control', current ? 'public, max-age=31536000, immutable' : 'no-cache')
        .send(asset.body);
    },
  );
}
