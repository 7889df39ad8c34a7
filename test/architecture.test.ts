import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/*
 * The module contract of docs/architecture.md, checked on every import in src/:
 * - the kernel imports no module (and not the composition root); its tests may assemble the platform;
 * - a module imports another module only through its index.ts or contract.ts;
 * - domain/ folders import nothing that does I/O.
 */

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const IO_MODULES =
  /^(node:(fs|net|http|https|child_process|dgram|dns|tls)|pg|@electric-sql\/pglite|drizzle-orm|fastify|pg-boss|nodemailer)(\/|$)/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(name) ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map(
    (m) => m[1] ?? '',
  );
  const dynamic = [...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? '');
  return [...specifiers, ...dynamic];
}

interface Violation {
  file: string;
  specifier: string;
  rule: string;
}

/** Finds every import in `src` that breaks the module contract. */
export function findViolations(srcDir: string): Violation[] {
  const violations: Violation[] = [];
  for (const file of sourceFiles(srcDir)) {
    const rel = path.relative(srcDir, file).split(path.sep).join('/');
    const ownModule = /^modules\/([^/]+)\//.exec(rel)?.[1];
    for (const specifier of importsOf(file)) {
      if (rel.includes('/domain/') && IO_MODULES.test(specifier)) {
        violations.push({ file: rel, specifier, rule: 'domain/ imports nothing with I/O' });
      }
      if (!specifier.startsWith('.')) continue;
      const target = path
        .relative(srcDir, path.resolve(path.dirname(file), specifier))
        .split(path.sep)
        .join('/');
      // A kernel test may assemble the whole platform; kernel code itself may not know any module.
      const isTest = /\.test\.tsx?$/.test(rel);
      if (rel.startsWith('kernel/') && !isTest && (target.startsWith('modules/') || target === 'app.ts')) {
        violations.push({ file: rel, specifier, rule: 'the kernel imports no module' });
      }
      const targetModule = /^modules\/([^/]+)\/(.+)$/.exec(target);
      if (
        ownModule &&
        targetModule &&
        targetModule[1] !== ownModule &&
        !['index.ts', 'contract.ts'].includes(targetModule[2] ?? '')
      ) {
        violations.push({
          file: rel,
          specifier,
          rule: 'modules import each other only through index.ts or contract.ts',
        });
      }
    }
  }
  return violations;
}

describe('module boundaries', () => {
  it('hold for every import in src/', () => {
    const violations = findViolations(SRC);
    assert.deepEqual(
      violations.map((v) => `${v.file} imports ${v.specifier}: ${v.rule}`),
      [],
    );
  });

  it('are actually detected (the check is not vacuous)', () => {
    const fixture = fileURLToPath(new URL('./fixtures/boundaries/', import.meta.url));
    const rules = findViolations(fixture)
      .map((v) => `${v.file}: ${v.rule}`)
      .sort();
    assert.deepEqual(rules, [
      'kernel/leaky.ts: the kernel imports no module',
      'modules/cases/cases.service.ts: modules import each other only through index.ts or contract.ts',
      'modules/cases/domain/deadline.ts: domain/ imports nothing with I/O',
    ]);
  });
});
