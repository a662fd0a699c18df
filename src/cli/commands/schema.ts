/** `relief-hub schema`: the full SDL the server serves, every adapter's fragment included. */
export const name = 'schema';
export const usage = ["schema                              print the full SDL the server serves (every adapter's fragment included)"];
/** Takes no arguments, and ignores any. */
export const spec = { options: {}, strict: false } as const;

export async function run(): Promise<number> {
  const { printedSchema } = await import('../../graphql/schema.ts');
  process.stdout.write(printedSchema());
  return 0;
}
