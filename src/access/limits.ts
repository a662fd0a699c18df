/**
 * Limits on what one request may ask: selection depth and the number of fields selected (aliases count,
 * fragments are followed), so that a deep or alias-flooded query is refused before it runs.
 *
 * The walk is linear in the document: each fragment is measured once and its cost memoised, so a small
 * document of fragments each spreading the next twice (2^n paths) costs n steps to measure, and is refused for
 * the 2^n fields it would select.
 */
import { Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { HubError, ErrorCode } from '../shared/errors.ts';

/** The introspection entry points: `{ __schema }` and `{ __type(name:) }` (root fields only, by validation). */
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

/**
 * How deep an introspection selection may nest where introspection is allowed. The standard introspection
 * query (graphql-js `getIntrospectionQuery`, graphql-codegen's and the IDEs', all derived from it) nests
 * `ofType` inside `__schema { types { fields { type … } } }`: 15 levels (graphql 16). Introspection reads the
 * schema only (never the hub's data), and its width still counts against the field limit.
 */
export const MAX_INTROSPECTION_DEPTH = 20;

export interface Measure {
  /** Deepest nesting of fields outside introspection. */
  depth: number;
  /** Deepest nesting through an introspection field (0 when there is none, or introspection is not exempt). */
  introspectionDepth: number;
  /** Fields selected, aliases and every expansion of a fragment counted (saturates at MAX_SAFE_INTEGER). */
  fields: number;
}

const add = (a: number, b: number) => Math.min(Number.MAX_SAFE_INTEGER, a + b);

/**
 * Measures every operation of the document. `introspection`: measure `__schema`/`__type` selections apart
 * (their depth in `introspectionDepth`), as where introspection is allowed.
 */
export function measure(document: DocumentNode, opts: { introspection?: boolean } = {}): Measure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, Measure>();
  const inProgress = new Set<string>();
  const none: Measure = { depth: 0, introspectionDepth: 0, fields: 0 };

  const ofFragment = (name: string): Measure => {
    const known = memo.get(name);
    if (known) return known;
    const f = fragments.get(name);
    // Unknown fragments and cycles are invalid GraphQL; validation reports them, the walk just stops.
    if (!f || inProgress.has(name)) return none;
    inProgress.add(name);
    const m = ofSet(f.selectionSet);
    inProgress.delete(name);
    memo.set(name, m);
    return m;
  };

  /** The cost of a selection set, depths relative to the set's own level. */
  const ofSet = (set: SelectionSetNode): Measure => {
    let depth = 0;
    let introspectionDepth = 0;
    let fields = 0;
    for (const s of set.selections) {
      let m: Measure;
      if (s.kind === Kind.FIELD) {
        const sub = s.selectionSet ? ofSet(s.selectionSet) : none;
        if (opts.introspection && INTROSPECTION_FIELDS.has(s.name.value)) {
          m = { depth: 1, introspectionDepth: 1 + Math.max(sub.depth, sub.introspectionDepth), fields: add(1, sub.fields) };
        } else {
          m = { depth: 1 + sub.depth, introspectionDepth: sub.introspectionDepth > 0 ? 1 + sub.introspectionDepth : 0, fields: add(1, sub.fields) };
        }
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        m = ofSet(s.selectionSet);
      } else {
        m = ofFragment(s.name.value);
      }
      depth = Math.max(depth, m.depth);
      introspectionDepth = Math.max(introspectionDepth, m.introspectionDepth);
      fields = add(fields, m.fields);
    }
    return { depth, introspectionDepth, fields };
  };

  const total: Measure = { depth: 0, introspectionDepth: 0, fields: 0 };
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const m = ofSet(d.selectionSet);
    total.depth = Math.max(total.depth, m.depth);
    total.introspectionDepth = Math.max(total.introspectionDepth, m.introspectionDepth);
    total.fields = Math.max(total.fields, m.fields);
  }
  return total;
}

/** A refusal before execution: the client's fault, answered with HTTP 400. */
function refusal(code: ErrorCode, message: string, extra: Record<string, unknown>): HubError {
  return new HubError(code, message, { ...extra, http: { status: 400 } });
}

export function enforceLimits(document: DocumentNode, limits: { maxDepth: number; maxFields: number; introspection?: boolean }): void {
  const m = measure(document, { introspection: limits.introspection });
  if (m.depth > limits.maxDepth) {
    throw refusal(ErrorCode.QUERY_TOO_DEEP, `the query nests ${m.depth} levels deep; at most ${limits.maxDepth} are allowed`, { depth: m.depth, limit: limits.maxDepth });
  }
  if (m.introspectionDepth > MAX_INTROSPECTION_DEPTH) {
    throw refusal(ErrorCode.QUERY_TOO_DEEP, `the introspection query nests ${m.introspectionDepth} levels deep; at most ${MAX_INTROSPECTION_DEPTH} are allowed`, {
      depth: m.introspectionDepth,
      limit: MAX_INTROSPECTION_DEPTH,
    });
  }
  if (m.fields > limits.maxFields) {
    throw refusal(ErrorCode.QUERY_TOO_COMPLEX, `the query selects ${m.fields} fields; at most ${limits.maxFields} are allowed`, { fields: m.fields, limit: limits.maxFields });
  }
}
