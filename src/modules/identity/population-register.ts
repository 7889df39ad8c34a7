import { residentIdCheckCharacter } from './domain/identifiers.ts';
import { DEMO_REGISTER } from './identity.seed.ts';

/**
 * Checks a name and ID number against the population register (人口库), raising a self-registered account to L2.
 * Pluggable: a city connects its real register through the data exchange; the demo checks the demo register.
 */
export interface PopulationRegister {
  readonly name: string;
  matches(name: string, idNumber: string): Promise<boolean>;
}

/** The demo city's register: the people of demo-city.md and a few residents without an account. */
export function createDemoPopulationRegister(): PopulationRegister {
  const entries = new Set(
    DEMO_REGISTER.map((r) => `${r.name}|${r.idFirst17}${residentIdCheckCharacter(r.idFirst17)}`),
  );
  return {
    name: 'demo',
    matches: async (name, idNumber) => entries.has(`${name.trim()}|${idNumber.trim().toUpperCase()}`),
  };
}
