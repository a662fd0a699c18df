/** The source systems and programs (names of programs, the agency of each system), loaded once per sign-in. */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { request } from './api.ts';
import { SystemsDocument, type SystemsQuery } from './gql/generated.ts';

type Systems = SystemsQuery['systems'];
const Ctx = createContext<Systems>([]);

export function SystemsProvider({ children }: { children: ReactNode }) {
  const [systems, setSystems] = useState<Systems>([]);
  useEffect(() => {
    request(SystemsDocument).then((d) => setSystems(d.systems), () => setSystems([]));
  }, []);
  return <Ctx.Provider value={systems}>{children}</Ctx.Provider>;
}

export function useSystems() {
  const systems = useContext(Ctx);
  return {
    systems,
    agencyOf: (system: string) => systems.find((s) => s.code === system)?.agency ?? system,
    programTitle: (program: string | null | undefined) => {
      if (!program) return '—';
      for (const s of systems) for (const p of s.programs) if (p.code === program) return p.title;
      return program;
    },
    programsOfAgency: (agency: string | null | undefined) => systems.filter((s) => !agency || s.agency === agency).flatMap((s) => s.programs.map((p) => ({ ...p, system: s.code }))),
  };
}
