import { defineConfig } from 'drizzle-kit';

// drizzle-kit only generates SQL here; migrations are applied by src/kernel/db/migrations.ts at start-up.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/kernel/**/*.tables.ts', './src/modules/*/db/*.tables.ts'],
  // scripts/test.sh generates into a scratch copy to prove the committed migrations match the tables.
  out: process.env.DRIZZLE_OUT ?? './drizzle',
});
