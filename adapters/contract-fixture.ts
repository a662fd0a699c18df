/**
 * The shape of the small file each adapter ships for the shared contract suite (test/integration/
 * adapters-contract.test.ts), and the helpers its fixtures are written with.
 */
import type { ReasonCode } from '../src/codes.ts';
import { checkCharacter } from '../src/identity/id-number.ts';

export interface ContractFixture {
  name: string;
  content: Buffer;
  /** Records read from the file (valid and quarantined). */
  records: number;
  /** Exactly how many records are quarantined, by reason. */
  quarantined: Partial<Record<ReasonCode, number>>;
  /** A file of the format that fails its own integrity check, when the format has one. */
  rejected?: { name: string; content: Buffer; reason: 'INTEGRITY' | 'MALFORMED' };
}

/** A valid identity number from its first 17 characters. */
export const idOf = (first17: string): string => first17 + checkCharacter(first17);
/** The same number with a wrong check character. */
export const wrongCheckOf = (first17: string): string => first17 + (checkCharacter(first17) === '1' ? '2' : '1');
export const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
