/**
 * The entities of the Apollo Federation 2 subgraph (`relief-hub serve --subgraph`) and the fields that key
 * them, in order of preference: a representation is resolved by the first key whose field it carries. Person
 * is keyed by its opaque id and by its identity number (the only way a caseworker reaches a person).
 */
export const ENTITY_KEYS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  Person: ['idNumber', 'id'],
  Household: ['id'],
  Settlement: ['settlementId'],
});

/** Which key a representation uses (`Person.idNumber`, …), or null for an unknown type or no key field. */
export function entityKeyOf(representation: unknown): { type: string; field: string; value: unknown } | null {
  if (typeof representation !== 'object' || representation === null) return null;
  const rep = representation as Record<string, unknown>;
  const type = typeof rep.__typename === 'string' ? rep.__typename : '';
  const field = ENTITY_KEYS[type]?.find((f) => rep[f] !== undefined && rep[f] !== null);
  return field ? { type, field, value: rep[field] } : null;
}
