/** Calendar quarters in China Standard Time. */
export interface Quarter {
  year: number;
  quarter: number;
}

export function currentQuarter(now = Date.now()): Quarter {
  const d = new Date(now + 8 * 3600_000);
  return { year: d.getUTCFullYear(), quarter: Math.floor(d.getUTCMonth() / 3) + 1 };
}

/** The last n quarters up to the current one, oldest first. */
export function lastQuarters(n: number, now = Date.now()): Quarter[] {
  const out: Quarter[] = [];
  let { year, quarter } = currentQuarter(now);
  for (let i = 0; i < n; i++) {
    out.unshift({ year, quarter });
    quarter -= 1;
    if (quarter === 0) {
      quarter = 4;
      year -= 1;
    }
  }
  return out;
}

export const quarterLabel = (q: Quarter) => `${q.year}Q${q.quarter}`;
