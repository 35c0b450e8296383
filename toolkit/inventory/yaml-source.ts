import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { UsageError } from '../procedure/errors.ts';
import { repoRoot, stateDir } from './paths.ts';
import { readStackOutputs } from './pulumi-outputs.ts';
import type { Inventory } from './schema.ts';
import type { InventorySource, Topology } from './source.ts';
import { validateInventory } from './validate.ts';

type Tree = Record<string, unknown>;

/**
 * An environment described by environments/<env>.yaml. With a `pulumi: {stack}` key its endpoints
 * come from that stack's `inventory` output and the YAML adds credentials and overrides. A topology
 * change is written back into the YAML (comments kept), or for a stack-backed environment into an
 * override file under the state dir, since stack outputs are Pulumi's to change.
 */
export class YamlInventorySource implements InventorySource {
  readonly origin: string;

  constructor(
    readonly env: string,
    private readonly file: string,
  ) {
    this.origin = relative(repoRoot, file) || file;
  }

  /** .local/<env>/ beside the YAML file: the operators of one environment share it, each environment has its own. */
  get stateDir(): string {
    return resolve(dirname(this.file), '.local', this.env);
  }

  get pulumiStack(): string | undefined {
    const stack = (this.parse().toJS() as { pulumi?: { stack?: unknown } } | null)?.pulumi?.stack;
    return typeof stack === 'string' ? stack : undefined;
  }

  private overrideFile(): string {
    return resolve(stateDir(), 'topology', `${this.env}.json`);
  }

  async load(): Promise<Inventory> {
    const doc = this.parse();
    const tree = (doc.toJS() ?? {}) as Tree;
    const pulumi = tree.pulumi as { stack?: unknown } | undefined;
    delete tree.pulumi;
    let merged: unknown = tree;
    if (pulumi !== undefined) {
      if (typeof pulumi?.stack !== 'string')
        throw new UsageError(`inventory ${this.origin}: /pulumi/stack: is required`);
      const recorded = resolve(dirname(this.file), `${this.env}.outputs.json`);
      const outputs = await readStackOutputs(pulumi.stack, recorded);
      merged = deepMerge(outputs as unknown as Tree, tree);
      if (existsSync(this.overrideFile())) {
        merged = deepMerge(merged as Tree, {
          mysql: JSON.parse(readFileSync(this.overrideFile(), 'utf8')) as Tree,
        });
      }
    }
    return validateInventory({ ...(merged as Tree), name: this.env }, this.origin);
  }

  async saveTopology(topology: Topology): Promise<void> {
    const doc = this.parse();
    if (doc.has('pulumi')) {
      mkdirSync(dirname(this.overrideFile()), { recursive: true });
      writeFileSync(this.overrideFile(), `${JSON.stringify(topology, null, 2)}\n`);
      return;
    }
    doc.setIn(['mysql', 'master'], doc.createNode(topology.master));
    doc.setIn(['mysql', 'slaves'], doc.createNode(topology.slaves));
    doc.setIn(['mysql', 'fenced'], doc.createNode(topology.fenced));
    writeFileSync(this.file, doc.toString());
  }

  private parse() {
    const doc = parseDocument(readFileSync(this.file, 'utf8'));
    if (doc.errors.length > 0) {
      throw new UsageError(`inventory ${this.origin}: ${doc.errors[0]!.message.split('\n')[0]}`);
    }
    return doc;
  }
}

export function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isTree(current) && isTree(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
