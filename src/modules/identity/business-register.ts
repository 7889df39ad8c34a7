import { creditCodeCheckCharacter, residentIdCheckCharacter } from './domain/identifiers.ts';
import { DEMO_BUSINESS_REGISTER } from './identity.seed.ts';

/** What the business register says of a legal entity. */
export interface RegisteredLegalEntity {
  creditCode: string;
  nameZh: string;
  nameEn?: string;
  kind: 'enterprise' | 'social_organisation' | 'public_institution' | 'other';
  legalRepresentativeIdNumber: string;
}

/**
 * Looks a unified social credit code up in the business register (企业登记, held by Market Regulation), so that a
 * person claims a legal entity only if the register names them its legal representative. Pluggable: a city
 * connects its real register through the data exchange; the demo looks in the demo register.
 */
export interface BusinessRegister {
  readonly name: string;
  lookup(creditCode: string): Promise<RegisteredLegalEntity | undefined>;
}

/** The demo city's business register (identity.seed.ts). */
export function createDemoBusinessRegister(): BusinessRegister {
  const byCode = new Map<string, RegisteredLegalEntity>(
    DEMO_BUSINESS_REGISTER.map((e) => {
      const creditCode = e.creditFirst17 + creditCodeCheckCharacter(e.creditFirst17);
      const rep = e.legalRepresentative.idFirst17;
      return [
        creditCode,
        {
          creditCode,
          nameZh: e.nameZh,
          nameEn: e.nameEn,
          kind: e.kind,
          legalRepresentativeIdNumber: rep + residentIdCheckCharacter(rep),
        },
      ];
    }),
  );
  return { name: 'demo', lookup: async (creditCode) => byCode.get(creditCode.trim().toUpperCase()) };
}
