import { civilDate } from '../../../kernel/calendar/working-days.ts';
import { creditCodeCheckCharacter, residentIdCheckCharacter } from '../../identity/index.ts';
import { replaceFiles, type UploadedFile } from './answers.ts';
import type { Answers } from './conditions.ts';
import type { FormDefinition, Question, SimpleQuestion } from './form-definition.ts';

/**
 * Valid answers to a form, made up from a seed: for tests, the scale seed and the benchmarks, which need many
 * applications that pass the same checks as a person's. Every page and conditional question is answered, so a
 * condition decides which of them a submission keeps. A submission may name only files its submitter uploaded:
 * pass one (FormsService.upload) as `file`, and every file question is answered with it; without it, the file
 * answers are made up and only a form's own checks (or a direct write, like the scale generator's) take them.
 */
export function sampleAnswers(
  form: FormDefinition,
  seed = 1,
  // Today where the demo city is: dates that must lie ahead or behind are made from it (a fixed day would go stale).
  today = civilDate(new Date(), 'Asia/Shanghai'),
  file?: UploadedFile,
): Answers {
  const answers: Answers = {};
  for (const page of form.pages) {
    const values: Record<string, unknown> = {};
    for (const question of page.questions) values[question.id] = sampleOf(question, seed, today);
    answers[page.id] = values;
  }
  return file ? replaceFiles(answers, () => ({ ...file })) : answers;
}

function sampleOf(question: Question, seed: number, today: string): unknown {
  if (question.type === 'group')
    return Array.from({ length: Math.max(1, question.minItems) }, (_, i) =>
      Object.fromEntries(question.questions.map((q) => [q.id, sampleSimple(q, seed + i, today)])),
    );
  return sampleSimple(question, seed, today);
}

function sampleSimple(question: SimpleQuestion, seed: number, today: string): unknown {
  const n = Math.abs(Math.trunc(seed)) % 1_000_000;
  switch (question.type) {
    case 'text':
    case 'address':
      return `示范 ${question.id} ${n}`.slice(0, question.maxLength);
    case 'textarea':
      return `示范说明 ${n}`.slice(0, question.maxLength);
    case 'number': {
      const low = question.min ?? 1;
      const high = question.max ?? low + 100;
      return Math.min(high, Math.ceil(low) + (n % 10));
    }
    case 'money':
      return Math.max(question.minFen ?? 0, 100_000 + n);
    case 'date':
      return today;
    case 'choice':
      return question.options[n % question.options.length]?.value;
    case 'multiChoice':
      return [question.options[0]?.value];
    case 'idNumber': {
      const first17 = `34010119900101${String(n % 1000).padStart(3, '0')}`;
      return first17 + residentIdCheckCharacter(first17);
    }
    case 'creditCode': {
      const first17 = `91340100MA${String(n).padStart(7, '0')}`;
      return first17 + creditCodeCheckCharacter(first17);
    }
    case 'phone':
      return `138${String(n).padStart(8, '0')}`;
    case 'file':
      return {
        sha256:
          `${n.toString(16).padStart(8, '0')}e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`.slice(
            0,
            64,
          ),
        name: `${question.id}.pdf`,
        mime: 'application/pdf',
        size: 1024,
        scan: 'not_scanned',
      } satisfies UploadedFile;
  }
}
