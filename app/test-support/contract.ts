import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';
import { loadContract } from '../src/platform/contract-statuses.ts';

interface ContractResponse {
  $ref?: string;
  content?: Record<string, { schema?: unknown }>;
}
interface Contract {
  paths: Record<string, Record<string, { responses: Record<string, ContractResponse> }>>;
  components: { responses: Record<string, ContractResponse> };
}
/** What the checker reads of an answer (app.inject's response has it). */
export type Answer = Pick<LightMyRequestResponse, 'statusCode' | 'body' | 'headers'>;

interface Operation {
  key: string;
  pattern: RegExp;
  /** JSON pointer of each listed response (a `$ref` followed to its target). */
  responses: Map<string, string>;
}

// ajv-formats is CommonJS: under ESM its function arrives as the default export's `default`.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const pointerPart = (part: string) => encodeURIComponent(part.replace(/~/g, '~0').replace(/\//g, '~1'));

/**
 * Checks answers against app/contract/otus-openapi.json: the status must be one the contract lists for the
 * operation, and a body the contract gives a schema for must be JSON (by content-type) that validates
 * against it, with ajv, the document's own `$ref`s and formats such as `date`. A listed status the
 * contract gives no `content` leaves the body free (the app's error body, `{message, request_id, code}`,
 * goes there). Paths the contract does not have (the app's added ones) are not checked.
 */
export class ContractChecker {
  private readonly contract = loadContract() as unknown as Contract;
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();
  /** Contract operation → the statuses of the answers checked so far. */
  readonly checked = new Map<string, Set<number>>();

  constructor() {
    addFormats(this.ajv);
    this.ajv.addSchema({ ...this.contract, $id: 'otus' });
    for (const [path, operations] of Object.entries(this.contract.paths)) {
      const pattern = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      for (const [method, operation] of Object.entries(operations)) {
        const key = `${method.toUpperCase()} ${path}`;
        const responses = new Map<string, string>();
        for (const [status, response] of Object.entries(operation.responses)) {
          const own = ['paths', path, method, 'responses', status].map(pointerPart).join('/');
          responses.set(status, response.$ref ? response.$ref.slice(2) : own);
        }
        this.operations.push({ key, pattern, responses });
        this.checked.set(key, new Set());
      }
    }
  }

  /** Throws, naming the operation, when the answer is not one the contract allows. */
  check(method: string, url: string, response: Answer): void {
    const path = url.split('?')[0]!;
    const operation = this.operations.find((o) => o.key.startsWith(`${method} `) && o.pattern.test(path));
    if (!operation) return;
    const status = String(response.statusCode);
    const pointer = operation.responses.get(status);
    if (pointer === undefined)
      throw new Error(
        `${operation.key}: status ${status} is not in the contract (it lists ${[...operation.responses.keys()].join(', ')}): ${response.body}`,
      );
    this.checked.get(operation.key)!.add(response.statusCode);
    if (!this.hasJsonSchema(pointer)) return;
    const type = String(response.headers['content-type']);
    if (!type.startsWith('application/json'))
      throw new Error(`${operation.key} ${status}: content-type ${type}, the contract says application/json`);
    const validate = this.validator(`${pointer}/content/application~1json/schema`);
    if (!validate(JSON.parse(response.body)))
      throw new Error(
        `${operation.key} ${status}: ${response.body} does not match the contract: ${this.ajv.errorsText(validate.errors)}`,
      );
  }

  /** Contract operations that no checked answer has reached yet. */
  unchecked(): string[] {
    return [...this.checked].filter(([, statuses]) => statuses.size === 0).map(([key]) => key);
  }

  private hasJsonSchema(pointer: string): boolean {
    let node: unknown = this.contract;
    for (const part of pointer.split('/'))
      node = (node as Record<string, unknown> | undefined)?.[
        decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')
      ];
    return (node as ContractResponse | undefined)?.content?.['application/json']?.schema !== undefined;
  }

  private validator(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `otus#/${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate;
  }
}
