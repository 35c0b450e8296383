// The CrossGuard pack: `pulumi preview --policy-pack stacks/policy` runs it against every resource.
import { PolicyPack } from '@pulumi/policy';
import { policies } from './policies.ts';

new PolicyPack('highload-social', { policies });
