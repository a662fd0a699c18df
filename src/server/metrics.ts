/**
 * `/metrics` in the Prometheus text format (prom-client), one registry per running server. On the hot path
 * only counters and histograms are touched (a few map look-ups); the queue sizes are read from the database
 * when Prometheus scrapes, and a failed read leaves them out of that scrape instead of failing it.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/client.ts';
import * as store from './store.ts';
import { openItems, REVIEW_KINDS } from '../review/service.ts';

export interface IngestCounts {
  system: string;
  new: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  rejected: boolean;
  records: number;
}

export class HubMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'operation' | 'outcome'>;
  private readonly latency: Histogram<'operation' | 'outcome'>;
  private readonly ingestRecords: Counter<'system' | 'outcome'>;
  private readonly dbQueries: Counter<'pool'>;

  constructor(primary: Database, read: Database | null) {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry, prefix: 'relief_hub_' });
    this.requests = new Counter({
      name: 'relief_hub_requests_total',
      help: 'HTTP requests by operation (GraphQL: operation type and first root field; else the route) and outcome (ok or the error code)',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'relief_hub_request_duration_seconds',
      help: 'Time from the request arriving to its response being written, by operation and outcome',
      labelNames: ['operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    this.ingestRecords = new Counter({
      name: 'relief_hub_ingest_records_total',
      help: 'Records ingested through this instance, by source system and outcome (new, updated, unchanged, quarantined, rejected: in a file refused whole)',
      labelNames: ['system', 'outcome'],
      registers: [registry],
    });
    this.dbQueries = new Counter({
      name: 'relief_hub_db_operations_total',
      help: 'GraphQL operations by the database pool that served them (primary, or read: the standby of DATABASE_READ_URL)',
      labelNames: ['pool'],
      registers: [registry],
    });
    const pools: Array<[string, Database]> = [['primary', primary], ...(read ? [['read', read] as [string, Database]] : [])];
    new Gauge({
      name: 'relief_hub_db_pool_connections',
      help: 'Database pool connections by pool (primary, read) and state (total, idle, waiting: requests waiting for one, max)',
      labelNames: ['pool', 'state'],
      registers: [registry],
      collect() {
        for (const [name, d] of pools) {
          const s = d.poolStats?.();
          if (!s) continue;
          this.set({ pool: name, state: 'total' }, s.total);
          this.set({ pool: name, state: 'idle' }, s.idle);
          this.set({ pool: name, state: 'waiting' }, s.waiting);
          this.set({ pool: name, state: 'max' }, s.max);
        }
      },
    });
    new Gauge({
      name: 'relief_hub_quarantine_open',
      help: 'Quarantined records not yet resolved, by source system',
      labelNames: ['system'],
      registers: [registry],
      async collect() {
        this.reset();
        // Unresolved quarantine per system, read when scraped
        const r = await store.openQuarantineBySystem(primary.db).catch(() => []);
        for (const x of r) this.set({ system: x.system }, Number(x.n));
      },
    });
    new Gauge({
      name: 'relief_hub_review_queue_size',
      help: 'Open items of the review queue, by kind',
      labelNames: ['kind'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const kind of REVIEW_KINDS) {
          const r = await openItems(primary.db, kind, null, 0).catch(() => null);
          if (r) this.set({ kind }, r.total);
        }
      },
    });
    new Gauge({
      name: 'relief_hub_warnings_open',
      help: 'Early warnings open (not closed), by kind',
      labelNames: ['kind'],
      registers: [registry],
      async collect() {
        this.reset();
        // Open warnings per kind, read when scraped
        const r = await store.openWarningsByKind(primary.db).catch(() => []);
        for (const x of r) this.set({ kind: x.kind }, Number(x.n));
      },
    });
  }

  /** One finished request; `startedAt` from process.hrtime.bigint(). */
  request(operation: string, outcome: string, startedAt: bigint): void {
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    this.requests.inc({ operation, outcome });
    this.latency.observe({ operation, outcome }, seconds);
  }

  /** One ingest summary (a file, or a page set pulled). */
  ingest(s: IngestCounts): void {
    const add = (outcome: string, n: number) => {
      if (n > 0) this.ingestRecords.inc({ system: s.system, outcome }, n);
    };
    if (s.rejected) {
      add('rejected', Math.max(s.records, 1));
      return;
    }
    add('new', s.new);
    add('updated', s.updated);
    add('unchanged', s.unchanged);
    add('quarantined', s.quarantined);
  }

  operationServedBy(pool: 'primary' | 'read'): void {
    this.dbQueries.inc({ pool });
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
