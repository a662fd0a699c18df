/** Planner statistics inside an ingest's long transaction (see `Statistics`). */
import type { Tx } from '../db/client.ts';
import { analyzeIngestTables } from './store.ts';

/** Records written before the first ANALYZE, in all and in one system. */
const FIRST = 20_000;

/**
 * Planner statistics for a long transaction. Autovacuum cannot see rows a transaction has not committed, so
 * in a large load the planner would go on planning for the tables as they were before it (empty, on a first
 * load) and pick plans that degrade quadratically. ANALYZE inside the transaction does see its own rows: it
 * runs each time the records written in the transaction have doubled since the last time (from 20,000), so a
 * load of n records analyses about log2(n / 20,000) times.
 *
 * And each time one system's records have doubled (from 20,000): systems write different tables (civil
 * affairs and rural revitalization the households and memberships, medical insurance the settlements), so a
 * system that comes after a large one would otherwise write its tables from empty to hundreds of thousands of
 * rows between two doublings of the whole, planned as empty all along. At 1,150,000 persons civil affairs'
 * 750,000 records came after medical insurance's 1.3 million with no ANALYZE in between, and the household
 * statements' plans (a scan of every membership per household) made that part of the load several times slower.
 * A system of n records adds about log2(n / 20,000) more.
 */
export class Statistics {
  private written = 0;
  private next = FIRST;
  private system: string | null = null;
  private systemWritten = 0;
  private systemNext = FIRST;
  constructor(
    private readonly tx: Tx,
    private readonly analyze: (tx: Tx) => Promise<void> = analyzeIngestTables,
  ) {}
  async wrote(records: number, system: string): Promise<void> {
    this.written += records;
    if (system !== this.system) {
      this.system = system;
      this.systemWritten = 0;
      this.systemNext = FIRST;
    }
    this.systemWritten += records;
    if (this.written < this.next && this.systemWritten < this.systemNext) return;
    this.next = Math.max(this.next, this.written * 2);
    this.systemNext = this.systemWritten * 2;
    await this.refresh();
  }
  /** Analyses now when anything was written since the last time (before derivation). */
  async settle(): Promise<void> {
    if (this.written >= FIRST) await this.refresh();
  }
  private async refresh(): Promise<void> {
    await this.analyze(this.tx);
  }
}
