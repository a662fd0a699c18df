/** The per-request context: the database and DataLoaders created fresh for every request. */
import type { Database } from '../db/client.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface HubContext {
  database: Database;
  loaders: Loaders;
  /** Who is asking, as recorded in history (merges undone, overrides). Until access control lands: `local`. */
  actor: string;
}

export function createContext(database: Database): HubContext {
  return { database, loaders: createLoaders(database), actor: 'local' };
}
