import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { count } from 'drizzle-orm';
import { createTestPostgresDatabase, needPostgres } from '../../../test/support/environment.ts';
import { createAuditLog } from '../../kernel/audit/audit.ts';
import { type Database, openDatabase } from '../../kernel/db/database.ts';
import { migrate } from '../../kernel/db/migrations.ts';
import { createJobs, type Jobs } from '../../kernel/jobs/jobs.ts';
import { createLogger } from '../../kernel/logger.ts';
import { createMailer, createMailOutbox, registerMailJob } from '../../kernel/mail/mail.ts';
import { smsRecords } from '../../kernel/sms/sms.tables.ts';
import { createSmsOutbox, createSmsSender, registerSmsJob } from '../../kernel/sms/sms.ts';
import { registrations } from './db/identity.tables.ts';
import { residentIdCheckCharacter } from './domain/identifiers.ts';
import { IdentityErrors } from './identity.errors.ts';
import { createDemoPopulationRegister } from './population-register.ts';
import { createRegistrationService, type RegistrationService } from './registration.service.ts';

const SECRET = 'test-secret-of-at-least-thirty-two-characters';
const log = createLogger('silent');

/** One platform instance's registration service on its own connection pool (enqueueing only, like a web instance). */
async function instance(
  url: string,
): Promise<{ database: Database; jobs: Jobs; service: RegistrationService }> {
  const database = await openDatabase({ mode: 'server', url, poolSize: 4 });
  const jobs = createJobs(database, { work: false });
  registerMailJob(jobs, database.db, createMailer({ transport: 'log', from: 'noreply@shifan.example', log }));
  registerSmsJob(jobs, database.db, createSmsSender({ transport: 'log', log }));
  await jobs.start();
  const service = createRegistrationService({
    db: database.db,
    audit: createAuditLog(SECRET),
    mail: createMailOutbox(jobs),
    sms: createSmsOutbox(jobs),
    secret: SECRET,
    register: createDemoPopulationRegister(),
  });
  return { database, jobs, service };
}

describe('limit on sending codes, on PostgreSQL', () => {
  it('is shared by every instance and exact under concurrent requests: 5 codes an hour to one number', async (t) => {
    if (!(await needPostgres(t))) return;
    const pgDb = await createTestPostgresDatabase();
    const instances: Awaited<ReturnType<typeof instance>>[] = [];
    try {
      const setup = await openDatabase({ mode: 'server', url: pgDb.url });
      await migrate(setup.db);
      await setup.close();
      instances.push(await instance(pgDb.url), await instance(pgDb.url));

      // Eight people ask, at once, through two instances, from eight addresses, for a code to one number.
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => {
          const first17 = `99010019990808${String(i).padStart(3, '0')}`;
          return instances[i % 2]?.service.start(
            {
              displayName: '测试',
              username: `ceshi${i}`,
              idType: 'resident_id',
              idNumber: `${first17}${residentIdCheckCharacter(first17)}`,
              phone: '13900000050',
              channel: 'phone',
              password: 'a long and private sentence',
              locale: 'zh-CN',
            },
            { clientAddress: `192.0.2.${i + 1}` },
          );
        }),
      );
      const refused = outcomes.filter((o) => o.status === 'rejected');
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 5);
      assert.equal(refused.length, 3);
      for (const outcome of refused) {
        assert.equal((outcome as PromiseRejectedResult).reason?.definition, IdentityErrors.codeSendLimited);
      }
      const db = instances[0]?.database.db;
      assert.ok(db);
      assert.equal((await db.select({ n: count() }).from(registrations))[0]?.n, 5);
      assert.equal((await db.select({ n: count() }).from(smsRecords))[0]?.n, 5);
    } finally {
      for (const { jobs, database } of instances) {
        await jobs.stop();
        await database.close();
      }
      await pgDb.drop();
    }
  });
});
