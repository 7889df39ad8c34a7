/*
 * `yiwang cases generate --count N`: fills the database with many cases of the demo services and their steps, for
 * scale tests and the inbox benchmark. What generated cases leave out (audit records, timelines, events) is said in
 * src/modules/cases/generate.ts, and again when the command ends.
 */
import type { Command } from 'commander';
import type { Platform } from '../app.ts';
import { startProgress } from '../kernel/progress.ts';
import { type GeneratedStaff, generateCases, NoServicesToGenerateError } from '../modules/cases/generate.ts';
import type { CatalogueContract } from '../modules/catalogue/contract.ts';
import type { FormsService } from '../modules/forms/index.ts';
import type { IdentityContract } from '../modules/identity/index.ts';

type WithPlatform = (work: (platform: Platform) => Promise<void>) => Promise<void>;

const MAX_COUNT = 10_000_000;

function refuse(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

export function registerCasesCommands(program: Command, withPlatform: WithPlatform): void {
  const cases = program.command('cases').description('applications (cases): generated data for scale tests');

  cases
    .command('generate')
    .description(
      'add N generated cases of the demo services with their steps, most closed and a few open (scale tests, benchmarks); no audit records are written for them',
    )
    .requiredOption('--count <n>', `how many cases (1–${MAX_COUNT})`)
    .option('--open-share <fraction>', 'the share of cases still open, from 0 to 1', '0.03')
    .option('--seed <n>', 'the same seed gives the same cases (with new ids and numbers)', '1')
    .option(
      '--staff <usernames>',
      'comma-separated staff usernames who claimed and decided the steps of their departments and roles',
    )
    .action(async (options: { count: string; openShare: string; seed: string; staff?: string }) => {
      const count = Number(options.count);
      if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT)
        refuse(`--count is a whole number from 1 to ${MAX_COUNT}.`);
      const openShare = Number(options.openShare);
      if (!(openShare >= 0 && openShare <= 1)) refuse('--open-share is a number from 0 to 1, such as 0.03.');
      const seed = Number(options.seed);
      if (!Number.isSafeInteger(seed)) refuse('--seed is a whole number.');
      const usernames = (options.staff ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean);
      await withPlatform(async (platform) => {
        const identity = platform.contracts.identity as IdentityContract;
        const staff: GeneratedStaff[] = [];
        for (const username of usernames) {
          const account = await identity.findAccount(username);
          const actor = account ? await identity.actorOf(account.id) : undefined;
          if (actor?.kind !== 'staff') {
            // Not `refuse`: the platform is open here and must be closed (PGlite's lock), so return instead.
            process.stderr.write(`--staff: ${username} is not a member of staff here.\n`);
            process.exitCode = 2;
            return;
          }
          staff.push(actor);
        }
        const progress = startProgress('Generating cases', count);
        const started = performance.now();
        try {
          const report = await generateCases(platform.kernel.db, count, {
            catalogue: platform.contracts.catalogue as CatalogueContract,
            forms: platform.contracts.forms as FormsService,
            staff,
            openShare,
            seed,
            timeZone: platform.kernel.config.timeZone,
            calendar: platform.kernel.calendar,
            progress,
          });
          progress.stop();
          const seconds = (performance.now() - started) / 1000;
          const services = Object.entries(report.services)
            .map(([code, n]) => `${code} ${n}`)
            .join(', ');
          process.stdout.write(
            `Generated ${report.cases} cases (${report.openCases} open) with ${report.tasks} steps (${report.openTasks} open) in ${seconds.toFixed(0)} s: ${services}.\n` +
              'They have no audit records, timeline entries or events: scale data, not applications anyone made.\n',
          );
        } catch (error) {
          progress.stop();
          if (!(error instanceof NoServicesToGenerateError)) throw error;
          process.stderr.write(`${error.message}\n`);
          process.exitCode = 1;
        }
      });
    });
}
