import { startTestStack } from '../test-support/stack.ts';

/** `npx tsx app/e2e/serve.ts [port]`: the app with its pages on a throwaway stack, to look at by hand. */
const stack = await startTestStack();
const app = await stack.app({ LOG_LEVEL: 'warn' });
const port = Number(process.argv[2] ?? 0);
const address = await app.listen({ host: '127.0.0.1', port });
process.stdout.write(`serving ${address}\n`);
const stop = () => void stack.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
