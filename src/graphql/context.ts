/** The per-request context: the database, who is asking, DataLoaders and the access recorder, all fresh per request. */
import type { Database } from '../db/client.ts';
import type { Principal } from '../access/auth.ts';
import { AccessRecorder } from '../access/log.ts';
import { Reach } from '../access/guard.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { IngestCounts } from '../server/metrics.ts';

export interface HubContext {
  database: Database;
  loaders: Loaders;
  /** Who is asking (verified bearer token); null only outside HTTP (never for a served request). */
  principal: Principal | null;
  /** Who is asking, as recorded in history (merges undone, overrides, decisions). */
  actor: string;
  /** Reads of personal data in this request, written to the access log when the response leaves. */
  access: AccessRecorder;
  /** Persons reached by exact identity number in this request (src/access/guard.ts). */
  reach: Reach;
  /** The stated purpose of the request (`x-purpose`). */
  purpose: string | null;
  /** Told of every ingest summary (the server's metrics); absent outside HTTP. */
  onIngest?: (summary: IngestCounts) => void;
}

export function createContext(database: Database, principal: Principal | null = null, purpose: string | null = null): HubContext {
  return { database, loaders: createLoaders(database), principal, actor: principal?.sub ?? 'local', access: new AccessRecorder(), reach: new Reach(), purpose };
}
