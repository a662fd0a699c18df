/**
 * Limits on what one request may ask: selection depth and the number of fields selected (aliases count,
 * fragments are followed), so that a deep or alias-flooded query is refused before it runs.
 */
import { Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { HubError, ErrorCode } from '../shared/errors.ts';

export function measure(document: DocumentNode): { depth: number; fields: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let fields = 0;
  let maxDepth = 0;
  const walk = (set: SelectionSetNode, depth: number, seen: Set<string>) => {
    maxDepth = Math.max(maxDepth, depth);
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        fields++;
        if (s.selectionSet) walk(s.selectionSet, depth + 1, seen);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        walk(s.selectionSet, depth, seen);
      } else {
        const f = fragments.get(s.name.value);
        // A fragment spread inside itself is invalid GraphQL; validation reports it, the walk just stops.
        if (f && !seen.has(f.name.value)) walk(f.selectionSet, depth, new Set([...seen, f.name.value]));
      }
    }
  };
  for (const d of document.definitions) if (d.kind === Kind.OPERATION_DEFINITION) walk(d.selectionSet, 1, new Set());
  return { depth: maxDepth, fields };
}

export function enforceLimits(document: DocumentNode, limits: { maxDepth: number; maxFields: number }): void {
  const m = measure(document);
  if (m.depth > limits.maxDepth) {
    throw new HubError(ErrorCode.QUERY_TOO_DEEP, `the query nests ${m.depth} levels deep; at most ${limits.maxDepth} are allowed`, { depth: m.depth, limit: limits.maxDepth });
  }
  if (m.fields > limits.maxFields) {
    throw new HubError(ErrorCode.QUERY_TOO_COMPLEX, `the query selects ${m.fields} fields; at most ${limits.maxFields} are allowed`, { fields: m.fields, limit: limits.maxFields });
  }
}
