import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createVirusScanner } from './virus-scan.ts';

// The EICAR anti-virus test file, put together at run time so that this source file does not itself set off
// the scanners on developers' machines.
const EICAR = new Uint8Array(
  Buffer.from(`X5O!P%@AP[4\\PZX54(P^)7CC)7}$${'EICAR-STANDARD-ANTIVIRUS'}-TEST-FILE!$H+H*`, 'latin1'),
);
const HARMLESS = new Uint8Array(Buffer.from('%PDF-1.7\nnothing to see here\n%%EOF\n', 'latin1'));

// Behaves as ClamAV documents: `stdin: <signature> FOUND` and exit 1 for a virus, exit 0 when clean, exit 2 on
// an error (here: being called with other arguments than the scanner is given).
// It sets its own PATH: the tests below run it with PATH holding only the fake scanners.
const FAKE_CLAMAV = `#!/bin/sh
PATH=/usr/bin:/bin
if [ "$#" -ne 2 ] || [ "$1" != "--no-summary" ] || [ "$2" != "-" ]; then
  echo "unexpected arguments: $*" >&2
  exit 2
fi
if grep -q 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE'; then
  echo 'stdin: Eicar-Test-Signature FOUND'
  exit 1
fi
echo 'stdin: OK'
exit 0
`;

async function script(directory: string, name: string, body: string): Promise<string> {
  const file = path.join(directory, name);
  await writeFile(file, body);
  await chmod(file, 0o755);
  return file;
}

describe('createVirusScanner', {
  skip: process.platform === 'win32' && 'the fake scanner is a shell script',
}, () => {
  let directory: string;
  let fake: string;

  before(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'yiwang-scan-'));
    fake = await script(directory, 'fake-clamscan', FAKE_CLAMAV);
  });

  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reports a clean file as clean', async () => {
    const scanner = createVirusScanner({ command: fake });
    assert.deepEqual(await scanner.scan(HARMLESS), { status: 'clean', engine: 'fake-clamscan' });
  });

  it('reports the EICAR test file as infected, with the signature the scanner printed', async () => {
    // The genuine 68-byte file, so that a real ClamAV would flag it too.
    assert.equal(
      createHash('sha256').update(EICAR).digest('hex'),
      '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
    );
    const scanner = createVirusScanner({ command: fake });
    assert.deepEqual(await scanner.scan(EICAR), {
      status: 'infected',
      signature: 'Eicar-Test-Signature',
      engine: 'fake-clamscan',
    });
  });

  it('scans a large file through the pipe, and each scan on its own', async () => {
    const scanner = createVirusScanner({ command: fake });
    const large = new Uint8Array(4 * 1024 * 1024).fill(0x41);
    const infectedAtTheEnd = new Uint8Array([...large.subarray(0, 1024 * 1024), ...EICAR]);
    const [clean, infected] = await Promise.all([scanner.scan(large), scanner.scan(infectedAtTheEnd)]);
    assert.equal(clean.status, 'clean');
    assert.equal(infected.status, 'infected');
  });

  it('keeps "infected" when the scanner exits 1 without a line it can read', async () => {
    const terse = await script(
      directory,
      'terse-scanner',
      '#!/bin/sh\ncat >/dev/null\necho "garbled"\nexit 1\n',
    );
    assert.deepEqual(await createVirusScanner({ command: terse }).scan(HARMLESS), {
      status: 'infected',
      engine: 'terse-scanner',
    });
  });

  it('reports not_scanned when the scanner fails (exit 2)', async () => {
    const broken = await script(
      directory,
      'broken-scanner',
      '#!/bin/sh\necho "cannot connect to clamd" >&2\nexit 2\n',
    );
    assert.deepEqual(await createVirusScanner({ command: broken }).scan(EICAR), {
      status: 'not_scanned',
      engine: 'broken-scanner',
    });
  });

  it('reports not_scanned, without throwing, when the command does not exist', async () => {
    const scanner = createVirusScanner({ command: path.join(directory, 'no-such-scanner') });
    assert.deepEqual(await scanner.scan(EICAR), { status: 'not_scanned', engine: 'no-such-scanner' });
  });

  it('kills a scanner that takes too long and reports not_scanned', async () => {
    const slow = await script(directory, 'slow-scanner', '#!/bin/sh\ncat >/dev/null\nexec sleep 10\n');
    const started = Date.now();
    const result = await createVirusScanner({ command: slow, timeoutMs: 300 }).scan(HARMLESS);
    assert.deepEqual(result, { status: 'not_scanned', engine: 'slow-scanner' });
    assert.ok(Date.now() - started < 5000, 'answered without waiting for the scanner to finish');
  });

  describe('without a command', () => {
    let savedPath: string | undefined;
    before(() => {
      savedPath = process.env.PATH;
    });
    after(() => {
      process.env.PATH = savedPath;
    });

    it('prefers clamdscan to clamscan on PATH', async () => {
      const bin = path.join(directory, 'both');
      await mkdir(bin);
      await script(bin, 'clamscan', FAKE_CLAMAV);
      await script(bin, 'clamdscan', FAKE_CLAMAV);
      process.env.PATH = [path.join(directory, 'missing-directory'), bin].join(path.delimiter);
      assert.deepEqual(await createVirusScanner().scan(EICAR), {
        status: 'infected',
        signature: 'Eicar-Test-Signature',
        engine: 'clamdscan',
      });
    });

    it('falls back to clamscan', async () => {
      const bin = path.join(directory, 'clamscan-only');
      await mkdir(bin);
      await script(bin, 'clamscan', FAKE_CLAMAV);
      process.env.PATH = bin;
      assert.deepEqual(await createVirusScanner().scan(HARMLESS), { status: 'clean', engine: 'clamscan' });
    });

    it('reports not_scanned when ClamAV is not installed', async () => {
      const bin = path.join(directory, 'nothing');
      await mkdir(bin);
      process.env.PATH = bin;
      assert.deepEqual(await createVirusScanner().scan(EICAR), { status: 'not_scanned' });
    });
  });
});
