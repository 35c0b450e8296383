/**
 * The WRK report's HTTP floor: one process answering GET /user/search with a fixed page of ten users,
 * no database behind it, so the report can tell what HTTP costs on this machine from what the app adds.
 * Started by the report like the app (app-process.ts, same environment); HTTP_FLOOR says which floor:
 *
 * - `node`: a bare node:http server writing the fixed JSON (the least any Node server can do);
 * - `fastify`: the app's own HTTP layer (createHttpApp: logger, request ids, hooks, metrics, error
 *   shape) and its own search route, validation and serialization, over a search that answers the
 *   fixed page at once.
 */
import { createServer } from 'node:http';
import { AppMetrics, createHttpApp, loadConfig, searchRoutes, User } from '../../app/src/ops.ts';
import { floorUsers } from './http-floor.ts';

const config = loadConfig();
const kind = process.env.HTTP_FLOOR;
const users = floorUsers();

if (kind === 'node') {
  const body = JSON.stringify(users);
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(request.url === '/ready' ? '{"status":"ok"}' : body);
  });
  server.listen(config.port, config.host);
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
} else if (kind === 'fastify') {
  const app = await createHttpApp(config, { metrics: new AppMetrics() });
  app.addSchema(User);
  app.get('/ready', async () => ({ status: 'ok' }));
  await app.register(searchRoutes, { search: { byNamePrefix: async () => users } });
  await app.listen({ host: config.host, port: config.port });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
} else {
  console.error(`HTTP_FLOOR must be node or fastify, not ${kind ?? 'unset'}`);
  process.exit(2);
}
