/**
 * Small cells (小单元格抑制): in what member units receive, a cell that describes one or two persons shows its
 * persons as `<3` and its figures are folded into one row of the small cells together, so that every column
 * still adds up to the totals. When the folded row itself would describe fewer than three persons, the next
 * smallest cells are folded with it (complementary suppression), so that no figure of one or two persons can
 * be read off, nor worked out by subtraction. The platform sees the report whole.
 */

/** Fewer persons than this in a cell (and at least one) is a small cell. */
export const SMALL_CELL_LIMIT = 3;

export type Metrics = Record<string, number | bigint>;

export interface Cell<M extends Metrics> {
  /** The values of the grouping's dimensions, in order. */
  key: ReadonlyArray<string | null>;
  persons: number;
  metrics: M;
}

export interface SuppressedCell<M extends Metrics> extends Cell<M> {
  /** A cell of one or two persons. */
  small: boolean;
  /** Its figures are in the fold row (small, or folded to make the fold row large enough). */
  folded: boolean;
}

export interface Suppression<M extends Metrics> {
  cells: SuppressedCell<M>[];
  /** The small cells together; null when there is none. */
  fold: { persons: number; metrics: M; cells: number } | null;
}

export const isSmall = (persons: number): boolean => persons >= 1 && persons < SMALL_CELL_LIMIT;

/** How a count of persons is shown where suppression applies. */
export const personsText = (persons: number, suppress: boolean): string => (suppress && isSmall(persons) ? `<${SMALL_CELL_LIMIT}` : String(persons));

function add<M extends Metrics>(a: M, b: M): M {
  const out: Record<string, number | bigint> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = typeof v === 'bigint' ? (out[k] as bigint) + v : (out[k] as number) + v;
  return out as M;
}

/**
 * Folds the small cells. `distinct` counts the distinct persons of several cells together (a person can be in
 * two cells), from the data.
 */
export async function suppressSmallCells<M extends Metrics>(
  cells: ReadonlyArray<Cell<M>>,
  distinct: (keys: ReadonlyArray<ReadonlyArray<string | null>>) => Promise<number>,
): Promise<Suppression<M>> {
  const folded = new Set(cells.flatMap((c, i) => (isSmall(c.persons) ? [i] : [])));
  if (folded.size === 0) return { cells: cells.map((c) => ({ ...c, small: false, folded: false })), fold: null };
  const keysOf = () => [...folded].sort((a, b) => a - b).map((i) => cells[i]!.key);
  let persons = await distinct(keysOf());
  // Complementary cells: the smallest others, in their order, until the fold describes three persons or more.
  const others = cells
    .map((c, i) => ({ c, i }))
    .filter(({ i, c }) => !folded.has(i) && c.persons > 0)
    .sort((a, b) => a.c.persons - b.c.persons || a.i - b.i);
  while (isSmall(persons) && others.length > 0) {
    folded.add(others.shift()!.i);
    persons = await distinct(keysOf());
  }
  let metrics: M | null = null;
  for (const i of [...folded].sort((a, b) => a - b)) metrics = metrics ? add(metrics, cells[i]!.metrics) : { ...cells[i]!.metrics };
  return {
    cells: cells.map((c, i) => ({ ...c, small: isSmall(c.persons), folded: folded.has(i) })),
    fold: { persons, metrics: metrics!, cells: folded.size },
  };
}
