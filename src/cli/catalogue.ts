/*
 * `yiwang catalogue import|export|generate`: how a city loads its list of hundreds to thousands of service items,
 * takes it out again, and makes a large synthetic one for scale tests.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Platform } from '../app.ts';
import { isLocale, type Locale } from '../kernel/i18n/index.ts';
import { startProgress, tickTo } from '../kernel/progress.ts';
import { generateItems } from '../modules/catalogue/domain/generate.ts';
import type { CatalogueModule } from '../modules/catalogue/index.ts';
import type { OrganisationsContract } from '../modules/organisations/index.ts';

type WithPlatform = (work: (platform: Platform) => Promise<void>) => Promise<void>;

const formatOf = (file: string, given: string | undefined): 'json' | 'csv' => {
  const format = given ?? (path.extname(file).toLowerCase() === '.csv' ? 'csv' : 'json');
  if (format !== 'json' && format !== 'csv') {
    process.stderr.write(`--format is json or csv (got ${JSON.stringify(format)}).\n`);
    process.exit(2);
  }
  return format;
};

export function registerCatalogueCommands(program: Command, withPlatform: WithPlatform): void {
  const catalogue = program.command('catalogue').description('the service catalogue: bulk load and export');

  catalogue
    .command('import <file>')
    .description(
      'load service items (and, from JSON, topics, life events and synonyms); with any bad row nothing is imported',
    )
    .option('--format <format>', 'json or csv (default: from the file name)')
    .option('--partial', 'import the good rows and report the bad ones instead of importing nothing', false)
    .option('--report <file>', 'also write the problems found as CSV (line, code, field, message)')
    .option('--lang <locale>', 'language of the messages: zh-CN or en', 'zh-CN')
    .action(
      async (file: string, options: { format?: string; partial: boolean; report?: string; lang: string }) => {
        const format = formatOf(file, options.format);
        if (!existsSync(file)) {
          process.stderr.write(`No such file: ${file}\n`);
          process.exit(2);
        }
        const locale: Locale = isLocale(options.lang) ? options.lang : 'zh-CN';
        const text = readFileSync(file, 'utf8');
        await withPlatform(async (platform) => {
          const module = platform.contracts.catalogue as CatalogueModule;
          const progress = startProgress('Importing catalogue', 1);
          const report = await module.importFile(text, {
            format,
            partial: options.partial,
            locale,
            source: path.basename(file),
            onProgress: tickTo(progress),
          });
          progress.stop();
          for (const p of report.problems)
            process.stdout.write(
              `line ${p.line}${p.code ? ` ${p.code}` : ''}${p.field ? ` ${p.field}` : ''}: ${p.message}\n`,
            );
          if (options.report) {
            const { stringify } = await import('csv-stringify/sync');
            writeFileSync(
              options.report,
              stringify([
                ['line', 'code', 'field', 'message'],
                ...report.problems.map((p) => [p.line, p.code ?? '', p.field, p.message]),
              ]),
            );
          }
          const { created, updated, unchanged, rejected } = report.items;
          if (report.imported) {
            process.stdout.write(
              `Imported: ${created} new, ${updated} changed, ${unchanged} unchanged service items; ${report.topics} topics, ${report.lifeEvents} life events, ${report.synonyms} synonym groups.${rejected > 0 ? ` ${rejected} rows were left out (see above).` : ''}\n`,
            );
            if (rejected > 0) process.exitCode = 1;
          } else {
            process.stdout.write(
              `Nothing was imported: ${report.problems.length} problems in ${rejected} rows (see above).\n`,
            );
            process.exitCode = 1;
          }
        });
      },
    );

  catalogue
    .command('export')
    .description('write the published catalogue to a file')
    .requiredOption('--out <file>', 'the file to write (.json or .csv)')
    .option('--format <format>', 'json or csv (default: from the file name)')
    .action(async (options: { out: string; format?: string }) => {
      const format = formatOf(options.out, options.format);
      await withPlatform(async (platform) => {
        const module = platform.contracts.catalogue as CatalogueModule;
        const text = await module.exportFile(format);
        writeFileSync(options.out, text);
        const { total } = await module.listServices({ limit: 1 });
        process.stdout.write(`Exported ${total} service items to ${options.out}.\n`);
      });
    });

  catalogue
    .command('generate')
    .description(
      'write a synthetic catalogue of N items over the existing departments (scale tests, benchmarks)',
    )
    .requiredOption('--count <n>', 'how many items (1–100000)')
    .requiredOption('--out <file>', 'the JSON file to write')
    .action(async (options: { count: string; out: string }) => {
      const count = Number(options.count);
      if (!Number.isInteger(count) || count < 1 || count > 100_000) {
        process.stderr.write('--count is a whole number from 1 to 100000.\n');
        process.exit(2);
      }
      await withPlatform(async (platform) => {
        const module = platform.contracts.catalogue as CatalogueModule;
        const departments = (
          await (platform.contracts.organisations as OrganisationsContract).listDepartments()
        ).map((d) => d.code);
        if (departments.length === 0) {
          process.stderr.write('There are no departments: seed the demo city or add departments first.\n');
          process.exit(1);
        }
        const topics = (await module.listTopics()).map((t) => t.code);
        const ownTopics =
          topics.length === 0 ? [{ code: 'general', name: { zh: '综合', en: 'General' } }] : [];
        const progress = startProgress('Generating catalogue', count);
        const items = generateItems(count, departments, topics.length > 0 ? topics : ['general'], [], (n) =>
          progress.tick(n),
        );
        progress.stop();
        writeFileSync(
          options.out,
          `${JSON.stringify({ format: 'yiwang-catalogue', version: 1, topics: ownTopics, items }, null, 1)}\n`,
        );
        process.stdout.write(`Wrote ${count} synthetic service items to ${options.out}.\n`);
      });
    });
}
