/** `relief-hub serve`: GraphQL over HTTP until Ctrl-C or SIGTERM, then a clean close of the database. */
import { openHubDatabase, openReadDatabase } from '../../app.ts';
import { startServer } from '../../server/http.ts';
import { isEmpty, loadDemo } from '../../demo.ts';
import type { CommandContext, Parsed } from '../command.ts';

export const name = 'serve';
export const usage = [
  'serve [--demo] [--subgraph]         serve GraphQL at http://$HOST:$PORT/graphql (--demo: load demo data into an',
  '                                    empty database; --subgraph: as an Apollo Federation 2 subgraph)',
];
export const spec = { options: { demo: { type: 'boolean' }, subgraph: { type: 'boolean' } } } as const;

export async function run({ values }: Parsed<typeof spec>, { config, log }: CommandContext): Promise<number> {
  const database = await openHubDatabase(config);
  if (values.demo && (await isEmpty(database))) {
    log.info('empty database: loading demo data');
    const summaries = await loadDemo(database);
    log.info({ files: summaries.length, records: summaries.reduce((n, s) => n + s.records, 0) }, 'demo data loaded');
  }
  const readDatabase = await openReadDatabase(config);
  const server = await startServer(database, config, log, { subgraph: !!values.subgraph, readDatabase });
  log.info({ url: server.url, database: database.kind, readDatabase: readDatabase ? 'standby' : null }, 'relief-hub serving');
  process.stdout.write(`relief-hub serving GraphQL at ${server.url} (database: ${database.kind})\n`);
  if (values.demo) {
    const { demoSignIn } = await import('../../demo.ts');
    process.stdout.write(await demoSignIn(database, server.keys, server.url.replace(/\/graphql$/, '/')));
  }
  // Ctrl-C or SIGTERM: stop accepting, let in-flight requests finish (10 s at most), then close the
  // database cleanly (an embedded database left unclean is recovered on the next start, at best). A second
  // signal does not cut this short: the close is what keeps the data.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${signal}: still closing the database, please wait\n`);
      return;
    }
    stopping = true;
    log.info({ signal, inFlight: server.inFlight }, 'shutting down: draining requests');
    void (async () => {
      try {
        await server.shutdown(10_000);
      } finally {
        await readDatabase?.close();
        await database.close();
      }
      log.info('database closed; bye');
      process.exit(0);
    })().catch((err: unknown) => {
      process.stderr.write(`shutdown failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return new Promise<number>(() => undefined);
}
