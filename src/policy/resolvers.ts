/** Resolvers of the policy pool and of eligibility. */
import type { HubContext } from '../graphql/context.ts';
import { eligibility } from './eligibility.ts';
import { charityRuleCodes, policyVersions, publishVersion, type PolicyVersion } from './rules.ts';
import { mayUseRule, tellsUnknownPersons } from '../access/policy.ts';

export const policyResolvers = {
  Query: {
    policies: async (_: unknown, __: unknown, ctx: HubContext) => {
      const all = await policyVersions(ctx.database.db);
      return [...new Map(all.map((p) => [p.code, p])).values()].filter((p) => mayUseRule(ctx.principal, p.code));
    },
    policy: async (_: unknown, args: { code: string }, ctx: HubContext) => (await policyVersions(ctx.database.db, args.code)).at(-1) ?? null,
    eligibility: async (_: unknown, args: { idNumber: string; rule: string; asOf?: string | null }, ctx: HubContext) => {
      const answer = await eligibility(ctx.database.db, args.idNumber, args.rule, args.asOf ?? null, { unknownAsNobody: !tellsUnknownPersons(ctx.principal) });
      // Asking about a patient is a read of personal data, whoever asks, known to the hub or not.
      ctx.access.recordQuestion(answer.personId, answer.idNumber, `Eligibility.${answer.ruleCode}`);
      return answer;
    },
  },
  Mutation: {
    publishPolicyVersion: (_: unknown, args: { input: { code: string; title?: string | null; effectiveFrom: string; definition: unknown } }, ctx: HubContext) =>
      publishVersion(ctx.database.db, args.input, ctx.actor),
  },
  Policy: {
    versions: (p: PolicyVersion, _: unknown, ctx: HubContext) => policyVersions(ctx.database.db, p.code),
    forCharities: (p: PolicyVersion) => charityRuleCodes().has(p.code),
    publishedAt: (p: PolicyVersion) => new Date(p.publishedAt),
  },
};
