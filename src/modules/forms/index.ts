import { and, eq } from 'drizzle-orm';
import { newId } from '../../kernel/ids.ts';
import type { ModuleManifest } from '../../kernel/modules.ts';
import { formDefinitions } from './db/forms.tables.ts';
import { DEMO_FORMS } from './demo-forms.ts';
import { type FormDefinition, formDefinitionSchema } from './domain/form-definition.ts';
import { FORMS_PERMISSIONS } from './forms.policy.ts';
import { createFormsService, type FormsService } from './forms.service.ts';

export {
  type AnswerProblem,
  askedAnswers,
  type CertificateMaterial,
  certificateMaterials,
  checkAnswers,
  fileAnswers,
  isCertificateMaterial,
  nextPageId,
  type UploadedFile,
  visiblePages,
  visibleQuestions,
} from './domain/answers.ts';
export { type Answers, answerAt, type Condition, conditionSchema, holds } from './domain/conditions.ts';
export type {
  DataElement,
  FormDefinition,
  FormPage,
  GroupQuestion,
  Question,
  SimpleQuestion,
} from './domain/form-definition.ts';
export { sampleAnswers } from './domain/sample-answers.ts';
export { FormsErrors } from './forms.errors.ts';
export { formsMessages } from './forms.messages.ts';
export { FormsPermissions } from './forms.policy.ts';
export { type ActiveForm, type Draft, detailOf, type FormsService } from './forms.service.ts';

/** The demo city's form of a service, as the seed stores it (for other modules' demo data). */
export function demoFormDefinition(serviceCode: string): FormDefinition | undefined {
  const input = DEMO_FORMS[serviceCode];
  return input ? formDefinitionSchema.parse(input) : undefined;
}

/** Application forms (一表式): versioned per service, checked answers, drafts saved on the server. */
export const formsModule: ModuleManifest<FormsService> = {
  name: 'forms',
  dependsOn: ['identity'],
  permissions: FORMS_PERMISSIONS,
  async register({ kernel }) {
    return createFormsService({
      db: kernel.db,
      audit: kernel.audit,
      authz: kernel.authz,
      files: kernel.files,
      scanner: kernel.scanner,
    });
  },
  async seedDemo({ tx, report }) {
    let added = 0;
    for (const [serviceCode, input] of Object.entries(DEMO_FORMS)) {
      const definition = formDefinitionSchema.parse(input);
      const [existing] = await tx
        .select({ id: formDefinitions.id })
        .from(formDefinitions)
        .where(and(eq(formDefinitions.serviceCode, serviceCode), eq(formDefinitions.state, 'active')));
      if (existing) continue;
      await tx.insert(formDefinitions).values({
        id: newId('form'),
        serviceCode,
        version: 1,
        state: 'active',
        definition,
        createdBy: 'demo-seed',
        activatedAt: new Date(),
      });
      added++;
    }
    report.lines.push(`forms: ${added} application forms`);
  },
};
