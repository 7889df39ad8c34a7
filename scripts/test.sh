#!/usr/bin/env bash
# The README's test command: static checks, then every test file (node:test via tsx).
# With CI=true the PostgreSQL and browser suites are mandatory; without it they skip, saying how to enable them.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lint and format (Biome)"
npx biome check .
echo "== type check (tsc)"
npx tsc --noEmit
echo "== committed OpenAPI document and error table are current"
node bin/yiwang.mjs openapi --check

echo "== committed migrations match the *.tables.ts files"
rm -rf .tmp/drizzle-check && mkdir -p .tmp && cp -r drizzle .tmp/drizzle-check
DRIZZLE_OUT=./.tmp/drizzle-check npx drizzle-kit generate --name stale-check >/dev/null
if [ "$(ls .tmp/drizzle-check/*.sql | wc -l)" != "$(ls drizzle/*.sql | wc -l)" ]; then
  echo "The tables changed but no migration was generated: run \`npm run db:generate\` and commit drizzle/." >&2
  exit 1
fi

echo "== tests"
# Node 20's --test does not expand globs, so the shell lists the files.
mapfile -t files < <(find src test bench -name '*.test.ts' -o -name '*.test.tsx' | sort)
exec node --import tsx --test --test-concurrency="${YIWANG_TEST_CONCURRENCY:-2}" --test-reporter=spec "${files[@]}"
