// Runs the stack entry outside vitest, under plain `node <Pulumi.yaml nodeargs>`, with the engine mocked;
// prints the inventory output. Used by entry.test.ts to prove the CLI's way of loading the program works.
import * as pulumi from '@pulumi/pulumi';
import { secretKeys } from '../config.ts';

const config = JSON.parse(process.env.STACK_TEST_CONFIG ?? '{}') as Record<string, string>;
pulumi.runtime.setAllConfig(
  config,
  secretKeys.map((key) => `highload-social:${key}`),
);
await pulumi.runtime.setMocks(
  {
    newResource: (args) => ({
      id: `${args.name}-id`,
      state:
        args.type === 'gcp:compute/address:Address' ? { ...args.inputs, address: '192.0.2.1' } : args.inputs,
    }),
    // The guest agent's host keys (stacks/host-keys.ts waits for them); the test gives a scratch HOME for the file.
    call: (args) =>
      args.token === 'gcp:compute/getInstanceGuestAttributes:getInstanceGuestAttributes'
        ? {
            ...args.inputs,
            queryValues: [{ namespace: 'hostkeys', key: 'ssh-ed25519', value: 'AAAAmockkey' }],
          }
        : args.inputs,
  },
  'highload-social',
  process.env.STACK_TEST_STACK ?? 'dev',
  false,
);
const program = (await import('../index.ts')) as { inventory: pulumi.Output<unknown> };
program.inventory.apply((inventory) => process.stdout.write(`${JSON.stringify(inventory)}\n`));
