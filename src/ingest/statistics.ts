/** Planner statistics inside an ingest's long transaction (see `Statistics`). */
import type { Tx } from '../db/client.ts';
import { analyzeIngestTables } from './store.ts';

/**
 * Planner statistics for a long transaction. Autovacuum cannot see rows a transaction has not committed, so
 * in a large load the planner would go on planning for the tables as they were before it (empty, on a first
 * load) and pick plans that degrade quadratically. ANALYZE inside the transaction does see its own rows: it
 * runs each time the records written in the transaction have doubled since the last time (from 20,000), so a
 * load of n records analyses about log2(n / 20,000) times.
 */
export class Statistics {
  private written = 0;
  private next = 20_000;
  constructor(private readonly tx: Tx) {}
  async wrote(records: number): Promise<void> {
    this.written += records;
    if (this.written < this.next) return;
    this.next = this.written * 2;
    await this.refresh();
  }
  /** Analyses now when anything was written since the last time (before derivation). */
  async settle(): Promise<void> {
    if (this.written >= 20_000) await this.refresh();
  }
  private async refresh(): Promise<void> {
    await analyzeIngestTables(this.tx);
  }
}
