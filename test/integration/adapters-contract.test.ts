/**
 * The contract suite (test/support/adapter-contract.ts) on every adapter of the registry, each with the
 * small file it ships in its folder (`adapters/<code>/fixtures.ts`).
 */
import { adapters } from '../../adapters/index.ts';
import type { ContractFixture } from '../../adapters/contract-fixture.ts';
import { adapterContract } from '../support/adapter-contract.ts';

async function fixtureOf(code: string): Promise<ContractFixture> {
  const mod = (await import(`../../adapters/${code}/fixtures.ts`)) as { contractFixture: ContractFixture | (() => Promise<ContractFixture>) };
  return typeof mod.contractFixture === 'function' ? mod.contractFixture() : mod.contractFixture;
}

for (const adapter of adapters) adapterContract(adapter, () => fixtureOf(adapter.code));
