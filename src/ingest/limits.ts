/**
 * Moved to src/formats/limits.ts (the readers' bounds live with the readers). This re-export only keeps
 * src/cli/main.ts compiling until the CLI imports `applyLimits` from src/formats/limits.ts; then delete it.
 */
export * from '../formats/limits.ts';
