/**
 * Compiled execution of the hub's hot read operations (issue 17): the household aid-history query a
 * caseworker asks, a person, a household, a settlement. The same schema, the same resolvers and therefore
 * the same guard (scope, masking, access log by type: src/access/guard.ts); only graphql-js's interpreter
 * and Apollo's request pipeline are left out, for answers that carry no error.
 *
 * - Which operations. A query whose every root field is in HOT_ROOT_FIELDS, noted here by the Apollo
 *   plugin (src/server/http.ts) once Apollo has parsed and validated it (token limit, the schema's
 *   validation rules, no introspection in production) and its depth and field limits have passed. A
 *   document text is compiled the second time it is seen (a client sending a new text every time costs no
 *   compilation), and later requests with the same text and operation name are executed by graphql-jit's
 *   compiled function. Both maps are bounded.
 * - The same checks per request: the hostile-input checks on the variables, the stated purpose, the read
 *   routing and the metrics are applied by the caller exactly as the plugin applies them.
 * - Only clean answers. A compiled run whose result has any error (an unknown person's number is not
 *   one, an invalid one is, as is anything out of reach) is thrown away with its context, and the request
 *   goes through Apollo from the start: errors, their codes, HTTP status and formatting have one home.
 *   Nothing of the discarded run is sent or logged (its reads were only gathered; they are written when a
 *   response leaves).
 * - The response is byte for byte what Apollo sends for it (test/integration/compiled.test.ts compares
 *   both paths for every role).
 */
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { Kind, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { readsPersonalData } from '../access/guard.ts';

/** Root fields whose queries are compiled: the reads a caseworker's console makes all day. */
export const HOT_ROOT_FIELDS: ReadonlySet<string> = new Set(['person', 'household', 'settlement', 'aidCapacity']);

export interface CompiledOperation {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** The operation's own name, as Apollo reports it (the access log's `operation`). */
  operationName: string | null;
  /** `query.<first root field>`, the metrics label the plugin gives. */
  label: string;
  /** Whether it reads personal data (then a purpose is required). */
  personal: boolean;
  query: CompiledQuery['query'];
}

/** The content type Apollo answers a single result with, for the `accept` headers the fast path takes; null: leave it to Apollo. */
export function contentTypeFor(accept: string | undefined): string | null {
  if (accept === undefined || accept === '' || accept === '*/*' || accept === 'application/json') return 'application/json; charset=utf-8';
  if (accept === 'application/graphql-response+json' || accept === 'application/graphql-response+json, application/json') return 'application/graphql-response+json; charset=utf-8';
  return null;
}

/** A request body the fast path takes: `{ query, variables?, operationName? }` and nothing else. */
export function plainRequest(body: unknown): { query: string; variables: Record<string, unknown> | undefined; operationName: string | undefined } | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  for (const k in b) if (k !== 'query' && k !== 'variables' && k !== 'operationName') return null;
  if (typeof b.query !== 'string') return null;
  const v = b.variables;
  if (v !== undefined && v !== null && (typeof v !== 'object' || Array.isArray(v))) return null;
  const name = b.operationName;
  if (name !== undefined && name !== null && typeof name !== 'string') return null;
  return { query: b.query, variables: (v ?? undefined) as Record<string, unknown> | undefined, operationName: name ?? undefined };
}

/** Compiled operations by document text and operation name, bounded (cleared when full, as a cache may be). */
export class CompiledOperations {
  private readonly entries = new Map<string, CompiledOperation | null>();
  /** Document texts seen once, not yet compiled. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly maxEntries = 500,
  ) {}

  private static key(query: string, operationName: string | null | undefined): string {
    return `${operationName ?? ''}\u0000${query}`;
  }

  /**
   * Notes an operation Apollo has parsed, validated and let through its limits. Compiled if it is a query
   * of hot root fields only, else remembered as not compilable.
   */
  note(query: string | undefined, operationName: string | null | undefined, document: DocumentNode, operation: OperationDefinitionNode | null | undefined): void {
    if (query === undefined || !operation) return;
    const key = CompiledOperations.key(query, operationName);
    if (this.entries.has(key)) return;
    if (!this.seen.has(key)) {
      if (this.seen.size >= this.maxEntries) this.seen.clear();
      this.seen.add(key);
      return;
    }
    this.seen.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, this.compile(document, operation));
  }

  private compile(document: DocumentNode, operation: OperationDefinitionNode): CompiledOperation | null {
    if (operation.operation !== 'query') return null;
    // One operation per document, fields only at the root (no fragments, no directives there): what is
    // compiled is exactly what is named.
    if (document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d !== operation)) return null;
    const roots = operation.selectionSet.selections;
    if (roots.length === 0 || !roots.every((s) => s.kind === Kind.FIELD && HOT_ROOT_FIELDS.has(s.name.value) && !s.directives?.length)) return null;
    const first = roots[0]!;
    const name = operation.name?.value ?? null;
    try {
      const compiled = compileQuery(this.schema, document, name ?? undefined, { disablingCapturingStackErrors: true });
      if (!isCompiledQuery(compiled)) return null;
      return {
        document,
        operation,
        operationName: name,
        label: `query.${first.kind === Kind.FIELD ? first.name.value : 'fragment'}`,
        personal: readsPersonalData(this.schema, document, name),
        query: compiled.query,
      };
    } catch {
      return null;
    }
  }

  get(query: string, operationName: string | null | undefined): CompiledOperation | null {
    return this.entries.get(CompiledOperations.key(query, operationName)) ?? null;
  }
}
