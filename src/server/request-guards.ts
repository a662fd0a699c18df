/**
 * Checks of a request's inputs before anything runs, so that a hostile value is refused with HTTP 400 and its
 * code instead of reaching a resolver or the database (where NUL, for one, fails PostgreSQL's text types and
 * came back as a 500): NUL in any string, variables too deep, too many or too long, cursors the hub never
 * issued. One walk of the document (with the schema's types, to know which argument each value feeds) and
 * one iterative walk of the variables; error messages name the variable or argument, never its value.
 */
import { Kind, type DirectiveNode, type DocumentNode, type GraphQLSchema, type SelectionSetNode, type ValueNode } from 'graphql';
import { HubError, ErrorCode } from '../shared/errors.ts';
import { parseCursor } from '../shared/connection.ts';

export interface InputLimits {
  /** Deepest nesting of a variable's value (objects and lists). */
  maxDepth: number;
  /** Most values (scalars, objects, lists) in all variables together. */
  maxNodes: number;
  /** Longest string in a variable, in characters, except export files (bounded by MAX_BODY_BYTES alone). */
  maxStringLength: number;
}

export const INPUT_LIMITS: InputLimits = { maxDepth: 32, maxNodes: 100_000, maxStringLength: 1024 * 1024 };

/**
 * Arguments that carry an export file: as long as the body allows, and their bytes are the adapters' to judge
 * (a NUL in a file is quarantined or refused with the file's own codes, not here).
 */
const FILE_ARGUMENTS = new Set(['Mutation.ingest.content']);

function refuse(message: string, extra: Record<string, unknown> = {}): HubError {
  return new HubError(ErrorCode.BAD_USER_INPUT, message, { ...extra, http: { status: 400 } });
}

/**
 * A document's literals checked, and where each variable is used, by schema and document. A parsed document
 * is immutable and Apollo (like the compiled path) hands out the same one for the same text, so its walk is
 * done once; only documents that passed are kept (a refused one is walked, and refused, every time).
 */
const documentUses = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, ReadonlyMap<string, readonly string[]>>>();

/** Throws BAD_USER_INPUT (HTTP 400) for the first hostile input of the request. */
export function checkRequestInputs(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, limits: InputLimits = INPUT_LIMITS): void {
  let bySchema = documentUses.get(schema);
  if (!bySchema) documentUses.set(schema, (bySchema = new WeakMap()));
  let uses = bySchema.get(document);
  if (!uses) bySchema.set(document, (uses = usesOfDocument(schema, document)));
  checkVariables(uses, variables, limits);
}

/** Throws for the first hostile literal of the document; answers where each variable is used: `Type.field.argument` (or `@directive.argument`). */
function usesOfDocument(schema: GraphQLSchema, document: DocumentNode): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  const checkLiteral = (value: ValueNode, coordinate: string, argument: string): void => {
    switch (value.kind) {
      case Kind.VARIABLE: {
        const list = uses.get(value.name.value) ?? [];
        list.push(coordinate);
        uses.set(value.name.value, list);
        return;
      }
      case Kind.STRING:
        if (!FILE_ARGUMENTS.has(coordinate) && value.value.includes('\0')) throw refuse(`argument "${argument}" contains a NUL character`, { argument });
        if (argument === 'after' && value.value !== '' && !parseCursor(value.value)) throw refuse(`argument "after" is not a cursor of this hub`, { argument });
        return;
      case Kind.LIST:
        for (const v of value.values) checkLiteral(v, coordinate, argument);
        return;
      case Kind.OBJECT:
        for (const f of value.fields) {
          if (f.name.value.includes('\0')) throw refuse(`argument "${argument}" contains a NUL character`, { argument });
          checkLiteral(f.value, coordinate, argument);
        }
        return;
      default:
        return;
    }
  };
  // The walk follows the schema's types by name only: graphql's own TypeInfo would check its classes with
  // instanceof, which fails where the schema was built by another copy of graphql (vitest loads two).
  const fieldsOf = (typeName: string | null) =>
    typeName ? ((schema.getType(typeName) as { getFields?: () => Record<string, { type: unknown }> } | undefined)?.getFields?.() ?? null) : null;
  const namedType = (t: unknown): string | null => {
    let x = t as { ofType?: unknown; name?: string } | undefined;
    while (x && x.ofType) x = x.ofType as typeof x;
    return x?.name ?? null;
  };
  const checkDirectives = (directives: readonly DirectiveNode[] | undefined) => {
    for (const d of directives ?? []) for (const a of d.arguments ?? []) checkLiteral(a.value, `@${d.name.value}.${a.name.value}`, a.name.value);
  };
  const walk = (set: SelectionSetNode, parent: string | null): void => {
    for (const sel of set.selections) {
      checkDirectives(sel.directives);
      if (sel.kind === Kind.FIELD) {
        for (const a of sel.arguments ?? []) checkLiteral(a.value, `${parent ?? '?'}.${sel.name.value}.${a.name.value}`, a.name.value);
        if (sel.selectionSet) walk(sel.selectionSet, namedType(fieldsOf(parent)?.[sel.name.value]?.type));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet, sel.typeCondition?.name.value ?? parent);
      }
    }
  };
  for (const d of document.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) {
      const root = d.operation === 'query' ? schema.getQueryType() : d.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
      checkDirectives(d.directives);
      for (const v of d.variableDefinitions ?? []) if (v.defaultValue) checkLiteral(v.defaultValue, `$${v.variable.name.value}`, v.variable.name.value);
      walk(d.selectionSet, root?.name ?? null);
    } else if (d.kind === Kind.FRAGMENT_DEFINITION) {
      checkDirectives(d.directives);
      walk(d.selectionSet, d.typeCondition.name.value);
    }
  }
  return uses;
}

function checkVariables(uses: ReadonlyMap<string, readonly string[]>, variables: Record<string, unknown> | undefined, limits: InputLimits): void {
  let nodes = 0;
  for (const [name, value] of Object.entries(variables ?? {})) {
    const coordinates = uses.get(name) ?? [];
    const isFile = coordinates.length > 0 && coordinates.every((c) => FILE_ARGUMENTS.has(c));
    const isCursor = coordinates.some((c) => c.endsWith('.after'));
    if (isCursor && typeof value === 'string' && value !== '' && !parseCursor(value)) throw refuse(`variable "$${name}" is not a cursor of this hub`, { variable: name });
    const stack: Array<[unknown, number]> = [[value, 1]];
    while (stack.length > 0) {
      const [v, depth] = stack.pop()!;
      if (++nodes > limits.maxNodes) throw refuse(`the variables hold more than ${limits.maxNodes} values`, { limit: limits.maxNodes });
      if (typeof v === 'string') {
        if (!isFile && v.length > limits.maxStringLength) {
          throw refuse(`variable "$${name}" holds a string of ${v.length} characters; at most ${limits.maxStringLength} are allowed`, { variable: name, limit: limits.maxStringLength });
        }
        if (!isFile && v.includes('\0')) throw refuse(`variable "$${name}" contains a NUL character`, { variable: name });
      } else if (typeof v === 'object' && v !== null) {
        if (depth > limits.maxDepth) throw refuse(`variable "$${name}" nests deeper than ${limits.maxDepth} levels`, { variable: name, limit: limits.maxDepth });
        if (Array.isArray(v)) {
          for (const item of v) stack.push([item, depth + 1]);
        } else {
          for (const [k, item] of Object.entries(v)) {
            if (k.includes('\0')) throw refuse(`variable "$${name}" contains a NUL character`, { variable: name });
            stack.push([item, depth + 1]);
          }
        }
      }
    }
  }
}

/** Longest message a client gets back; a quoted value longer than CLIP_VALUE is cut (with its length said). */
const MAX_MESSAGE = 1000;
const CLIP_VALUE = 64;

/** An error message without the client's input echoed whole (graphql-js quotes a refused variable's value). */
export function clipMessage(message: string): string {
  const clipped = message.replace(/"((?:[^"\\]|\\.){65,})"/g, (_m, inner: string) => `"${inner.slice(0, CLIP_VALUE)}…" (${inner.length} characters)`);
  return clipped.length > MAX_MESSAGE ? `${clipped.slice(0, MAX_MESSAGE)}…` : clipped;
}

/**
 * The code of an error Apollo Server raised without one (it leaves its persisted-query refusals code-less, with
 * an HTTP 4xx status): the client's fault, not a bug.
 */
export function codeOfUncodedClientError(error: unknown): string | null {
  // Duck-typed: Apollo's GraphQLError may come from another copy of graphql than this module's.
  if (!(error instanceof Error) || !('extensions' in error)) return null;
  const extensions = (error as { extensions?: Record<string, unknown> }).extensions;
  const http = extensions?.http as { status?: unknown } | undefined;
  if (extensions?.code !== undefined || typeof http?.status !== 'number' || http.status < 400 || http.status >= 500) return null;
  if (/sha does not match/i.test(error.message)) return 'PERSISTED_QUERY_HASH_MISMATCH';
  if (/persisted query version/i.test(error.message)) return 'PERSISTED_QUERY_VERSION_UNSUPPORTED';
  return 'BAD_REQUEST';
}

/** A parse refused by graphql-js's token limit (`parse(…, { maxTokens })`) is a query too large, not a typo. */
export function isTokenLimit(error: unknown): boolean {
  return error instanceof Error && /^Syntax Error: Document contains more tha[nt] \d+ tokens/.test(error.message);
}
