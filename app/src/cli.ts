import { ConfigError, loadConfig } from './platform/config.ts';
import { migrateAll } from './platform/migrations.ts';

const usage = `usage: node --import tsx app/src/cli.ts migrate (in the image: node app/src/cli.js migrate)

  migrate   apply pending migrations to MYSQL_* (main) and CHAT_MYSQL_* (chat_message); forward only`;

/** Operational commands of the app image (the container runs `migrate` before it serves). */
async function cli(args: string[]): Promise<number> {
  if (args[0] !== 'migrate' || args.length > 1) {
    process.stderr.write(`${usage}\n`);
    return args[0] === '--help' ? 0 : 2;
  }
  const env = { ...process.env, AUTH_TOKEN_SECRET: process.env.AUTH_TOKEN_SECRET || 'x'.repeat(32) };
  const config = loadConfig(env);
  for (const report of await migrateAll(config)) {
    const what = report.applied.length ? `applied ${report.applied.join(', ')}` : 'up to date';
    process.stdout.write(`${report.set}: ${what} (version ${report.current})\n`);
  }
  return 0;
}

cli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `migrate: ${error instanceof ConfigError ? error.message : (error as Error).message}\n`,
    );
    process.exit(1);
  },
);
