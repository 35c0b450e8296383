// The app's one public module: what operations (toolkit runbooks, the local environment, benchmarks,
// stacks tests) may use of the app. Nothing outside app/ imports any other app file (an import-graph
// test enforces it); add here, deliberately, what a new operation needs.

// The users generator's pure pieces (the runbook steps around them live in toolkit/app/).
export type {
  DeferredIndex,
  GenerateOptions,
  GeneratePlan,
  GenerateTargets,
  LoadProgress,
} from './generator/generate.ts';
export {
  buildIndex,
  deferredIndexes,
  loadDialogs,
  loadFriendships,
  loadPosts,
  loadUsers,
  missingIndexes,
  planGeneration,
  sampleSearch,
} from './generator/generate.ts';
export { connect, value } from './generator/load.ts';
export { femaleFirstNames, feminine, maleFirstNames, surnames } from './generator/names.ts';
export { seededRandom } from './generator/random.ts';
// Configuration: the environment variables the app reads, as types and as the parser itself.
export type { AppConfig, MysqlTarget } from './platform/config.ts';
export { ConfigError, loadConfig } from './platform/config.ts';
// The database as the app opens it (its pool and the interface repositories see).
export type { Databases, Row, Sql, SqlValue } from './platform/db.ts';
export { createPool } from './platform/db.ts';
export { ErrorBody } from './platform/http.ts';
// The app's HTTP layer without the domains (hooks, metrics, error shape), for the WRK report's HTTP floor.
export { createHttpApp } from './platform/http-app.ts';
export { AppMetrics } from './platform/metrics.ts';
// Migrations: the app's schema, applied forward only.
export type { MigrationReport } from './platform/migrations.ts';
export { migrateAll } from './platform/migrations.ts';
// The search services and route, for checks that a replica (Tarantool) serves the same answers as MySQL.
export type { TypeBoxProvider } from './platform/typebox.ts';
export { searchRoutes } from './search/routes.ts';
export { SearchService } from './search/service.ts';
export { TarantoolSearchService } from './search/tarantool-search.ts';
// The search statement, word for word, and the repository that issues it.
export type { SearchShape } from './users/repository.ts';
export { likePrefix, searchSql, UsersRepository } from './users/repository.ts';
export { User } from './users/schemas.ts';
