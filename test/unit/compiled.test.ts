/** Which documents the compiled path takes (src/graphql/compiled.ts); what it answers is test/integration/compiled.test.ts. */
import { describe, expect, it } from 'vitest';
import { parse, type OperationDefinitionNode } from 'graphql';
import { servedSchema } from '../../src/graphql/schema.ts';
import { CompiledOperations, contentTypeFor, plainRequest } from '../../src/graphql/compiled.ts';

const schema = servedSchema();

/** Notes a document as the Apollo plugin would, `times` times, and returns what the compiled path has for it. */
function noted(ops: CompiledOperations, query: string, times: number, operationName?: string) {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition' && (!operationName || d.name?.value === operationName))!;
  for (let i = 0; i < times; i++) ops.note(query, operationName, document, operation);
  return ops.get(query, operationName);
}

describe('the compiled path', () => {
  it('compiles a query of hot root fields the second time it is seen', () => {
    const ops = new CompiledOperations(schema);
    const q = 'query P($id: String!) { person(idNumber: $id) { name household { key } } }';
    expect(noted(ops, q, 1)).toBeNull();
    const op = noted(ops, q, 1);
    expect(op).not.toBeNull();
    expect(op!.label).toBe('query.person');
    expect(op!.operationName).toBe('P');
    expect(op!.personal).toBe(true);
    // Another operation name is another entry.
    expect(ops.get(q, 'Other')).toBeNull();
  });

  it('never compiles mutations, other root fields, root fragments or directives, or documents with several operations', () => {
    const ops = new CompiledOperations(schema);
    const refused = [
      'mutation { ping }',
      '{ funds { code } }',
      '{ person(idNumber: "1") { name } funds { code } }',
      'query Q { ...F } fragment F on Query { person(idNumber: "1") { name } }',
      'query Q($s: Boolean!) { person(idNumber: "1") @include(if: $s) { name } }',
    ];
    for (const q of refused) expect(noted(ops, q, 3), q).toBeNull();
    expect(noted(ops, 'query A { person(idNumber: "1") { name } } query B { funds { code } }', 3, 'A')).toBeNull();
  });

  it('takes plain bodies and the accept headers whose content type it knows, nothing else', () => {
    expect(plainRequest({ query: '{ a }' })).toEqual({ query: '{ a }', variables: undefined, operationName: undefined });
    expect(plainRequest({ query: '{ a }', variables: { x: 1 }, operationName: 'A' })).toEqual({ query: '{ a }', variables: { x: 1 }, operationName: 'A' });
    for (const body of [null, [], 'x', { query: 1 }, { query: '{ a }', extensions: {} }, { query: '{ a }', variables: [1] }, { query: '{ a }', operationName: 2 }]) {
      expect(plainRequest(body), JSON.stringify(body)).toBeNull();
    }
    expect(contentTypeFor(undefined)).toBe('application/json; charset=utf-8');
    expect(contentTypeFor('application/graphql-response+json')).toBe('application/graphql-response+json; charset=utf-8');
    expect(contentTypeFor('text/html')).toBeNull();
    expect(contentTypeFor('application/json;q=0.5, text/html')).toBeNull();
  });
});
