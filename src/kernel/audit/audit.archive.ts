/*
 * Retention and archiving of the audit log. Records are kept online for at least 180 days (a trigger enforces the
 * floor); older sealed blocks can be exported to a signed archive file and, once exported, removed. The archive
 * carries the blocks and their records as they were sealed, so it verifies on its own: the Ed25519 signature with
 * the published archive key, and the chain inside with the platform secret.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip } from 'node:zlib';
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import type { Progress } from '../progress.ts';
import {
  type AuditKeys,
  type BlockRow,
  blockHash,
  canonicalJson,
  type RecordRow,
  recordMac,
} from './audit.chain.ts';
import { auditBlocks, auditHead, auditLookup, auditRecords } from './audit.tables.ts';
import type { AuditLog } from './audit.ts';

/** The shortest time a record stays online: 180 days (GB/T 22239-2019 level 3 asks for at least six months). */
export const MINIMUM_RETENTION_DAYS = 180;
const DAY_MS = 24 * 3600 * 1000;
const FORMAT = 'yiwang-audit-archive';
const FORMAT_VERSION = 1;

/** An archive that cannot be made or read; the message says why and what to do. */
export class AuditArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditArchiveError';
  }
}

// RFC 8410: the PKCS #8 wrapping of a raw 32-byte Ed25519 private key.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The archive signing key: Ed25519, derived from the platform secret, so every instance signs with the same key. */
export function archiveSigningKey(secret: string): {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
} {
  const seed = Buffer.from(hkdfSync('sha256', secret, 'yiwang', 'audit-archive-signing-v1', 32));
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, kid: thumbprint(publicKey) };
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of an Ed25519 public key: the key's id in archive files. */
function thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  return createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x }))
    .digest('base64url');
}

/** The public archive key as a JWK with its id, to publish so anyone can check archives without the secret. */
export function archivePublicJwk(secret: string): Record<string, unknown> {
  const { publicKey, kid } = archiveSigningKey(secret);
  return { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' };
}

interface Header {
  format: typeof FORMAT;
  formatVersion: number;
  createdAt: string;
  fromBlock: number;
  toBlock: number;
  /** Records numbered after `fromSeq` up to `toSeq`. */
  fromSeq: number;
  toSeq: number;
  records: number;
  /** The hash before the first block, and the last block's hash: where the live chain continues. */
  prevHash: string;
  lastHash: string;
  kid: string;
}

type Line =
  | Header
  | { block: BlockRow }
  | { records: RecordRow[] }
  | { signature: { alg: 'EdDSA'; kid: string; sha256: string; value: string } };

/** What an archive run did. */
export interface ArchiveResult {
  file: string;
  fromBlock: number;
  toBlock: number;
  records: number;
  throughSeq: number;
  sha256: string;
  pruned: boolean;
}

/**
 * Exports the sealed blocks whose every record is older than `before` (itself at least the retention period ago)
 * to `file`, signed; with `prune`, then removes them from the database and moves the verification anchor past
 * them, recording the archive in the audit log in the same transaction. Refuses a broken log.
 */
export async function archiveAuditLog(
  db: Db,
  audit: AuditLog,
  secret: string,
  options: {
    before: Date;
    file: string;
    prune: boolean;
    retentionDays?: number;
    actor?: { id?: string; kind: 'system' | 'staff' };
    progress?: (total: number) => Progress;
  },
): Promise<ArchiveResult> {
  const retentionDays = Math.max(options.retentionDays ?? MINIMUM_RETENTION_DAYS, MINIMUM_RETENTION_DAYS);
  const latest = new Date(audit.now().getTime() - retentionDays * DAY_MS);
  if (!(options.before.getTime() <= latest.getTime())) {
    throw new AuditArchiveError(
      `Audit records are kept online for ${retentionDays} days: archive only before ${latest.toISOString().slice(0, 10)} or earlier.`,
    );
  }
  if (existsSync(options.file))
    throw new AuditArchiveError(`${options.file} already exists: an archive never overwrites a file.`);

  await audit.seal(db);
  const check = await audit.verify(db);
  if (!check.ok)
    throw new AuditArchiveError(
      `The audit log does not verify, so it is not archived: ${check.problem?.message ?? ''}`,
    );

  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  if (!head) throw new AuditArchiveError('The audit chain has no head: migrations have not run.');
  const blocks: BlockRow[] = [];
  for (const block of await db
    .select()
    .from(auditBlocks)
    .where(gt(auditBlocks.seq, head.archivedBlockSeq))
    .orderBy(asc(auditBlocks.seq))) {
    const newest = block.lastOccurredAt ?? block.sealedAt;
    if (newest.getTime() >= options.before.getTime()) break;
    blocks.push(block);
  }
  const first = blocks[0];
  const last = blocks.at(-1);
  if (!first || !last)
    throw new AuditArchiveError(
      `No sealed block is entirely older than ${options.before.toISOString().slice(0, 10)}: nothing to archive.`,
    );

  const { privateKey, kid } = archiveSigningKey(secret);
  const records = blocks.reduce((n, b) => n + b.recordCount, 0);
  const progress = options.progress?.(records);
  const digest = createHash('sha256');
  const gzip = createGzip();
  const out = createWriteStream(options.file, { flags: 'wx' });
  gzip.pipe(out);
  const write = async (line: Line, signed = true) => {
    const text = `${JSON.stringify(line)}\n`;
    if (signed) digest.update(text);
    if (!gzip.write(text)) await once(gzip, 'drain');
  };
  let sha256: string;
  try {
    await write({
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      createdAt: audit.now().toISOString(),
      fromBlock: first.seq,
      toBlock: last.seq,
      fromSeq: first.fromSeq,
      toSeq: last.toSeq,
      records,
      prevHash: first.prevHash,
      lastHash: last.hash,
      kid,
    });
    for (const block of blocks) {
      await write({ block });
      const rows = await db
        .select()
        .from(auditRecords)
        .where(and(gt(auditRecords.seq, block.fromSeq), lte(auditRecords.seq, block.toSeq)))
        .orderBy(asc(auditRecords.seq));
      await write({ records: rows });
      progress?.tick(rows.length, `block ${block.seq}`);
    }
    sha256 = digest.digest('hex');
    const value = sign(null, Buffer.from(sha256, 'hex'), privateKey).toString('base64url');
    await write({ signature: { alg: 'EdDSA', kid, sha256, value } }, false);
    gzip.end();
    await once(out, 'close');
  } catch (error) {
    gzip.destroy();
    out.destroy();
    await rm(options.file, { force: true });
    throw error;
  } finally {
    progress?.stop();
  }

  await db.transaction(async (tx) => {
    if (options.prune) {
      await tx.execute(sql`select set_config('yiwang.audit_prune', 'on', true)`);
      await tx
        .update(auditHead)
        .set({ archivedBlockSeq: last.seq, archivedHash: last.hash, archivedThrough: last.toSeq })
        .where(eq(auditHead.id, 1));
      await tx
        .delete(auditRecords)
        .where(and(gt(auditRecords.seq, head.archivedThrough), lte(auditRecords.seq, last.toSeq)));
      // Search keys go after their records: the guard lets a key go only once its record has.
      await tx
        .delete(auditLookup)
        .where(and(gt(auditLookup.seq, head.archivedThrough), lte(auditLookup.seq, last.toSeq)));
      await tx.delete(auditBlocks).where(lte(auditBlocks.seq, last.seq));
    }
    await audit.record(tx, {
      actor: options.actor ?? { kind: 'system' },
      action: 'kernel.audit.archived',
      details: {
        file: path.basename(options.file),
        sha256,
        fromBlock: first.seq,
        toBlock: last.seq,
        toSeq: last.toSeq,
        lastHash: last.hash,
        records,
        pruned: options.prune,
      },
    });
  });
  return {
    file: options.file,
    fromBlock: first.seq,
    toBlock: last.seq,
    records,
    throughSeq: last.toSeq,
    sha256,
    pruned: options.prune,
  };
}

/** What checking an archive file found. */
export interface ArchiveCheck {
  ok: boolean;
  kid?: string;
  fromBlock?: number;
  toBlock?: number;
  records?: number;
  /** Whether the chain inside was checked too (it needs the platform secret). */
  chainChecked: boolean;
  problem?: string;
}

async function* readLines(file: string): AsyncGenerator<{ text: string; line: Line }> {
  const lines = createInterface({
    input: createReadStream(file).pipe(createGunzip()),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const text of lines) {
    if (text.trim() === '') continue;
    try {
      yield { text: `${text}\n`, line: JSON.parse(text) as Line };
    } catch {
      throw new AuditArchiveError(`${file} is not an audit archive (a line is not JSON).`);
    }
  }
}

/** Revives the dates JSON turned into strings, so MACs and hashes are computed over what was sealed. */
function reviveRecord(row: RecordRow): RecordRow {
  return { ...row, occurredAt: new Date(row.occurredAt) };
}

function reviveBlock(block: BlockRow): BlockRow {
  return {
    ...block,
    lastOccurredAt: block.lastOccurredAt === null ? null : new Date(block.lastOccurredAt),
    sealedAt: new Date(block.sealedAt),
  };
}

/**
 * Checks an archive file: its Ed25519 signature against `publicKey` (the published archive key), and, when the
 * audit keys are given (the platform secret is at hand), every block and record inside, as `verify` would.
 */
export async function verifyAuditArchive(
  file: string,
  options: { publicKey: KeyObject; keys?: AuditKeys },
): Promise<ArchiveCheck> {
  if (!existsSync(file)) throw new AuditArchiveError(`${file} does not exist.`);
  const digest = createHash('sha256');
  let header: Header | undefined;
  let signature: Extract<Line, { signature: unknown }>['signature'] | undefined;
  let pending: BlockRow | undefined;
  let prevHash = '';
  let prevTo = 0;
  let expectedBlock = 0;
  let records = 0;
  let chainProblem: string | undefined;
  const keys = options.keys;
  try {
    for await (const { text, line } of readLines(file)) {
      if (signature) return { ok: false, chainChecked: false, problem: 'Lines follow the signature.' };
      if ('signature' in line) {
        signature = line.signature;
        continue;
      }
      digest.update(text);
      if ('format' in line) {
        if (header || line.format !== FORMAT) throw new AuditArchiveError(`${file} is not an audit archive.`);
        header = line;
        prevHash = line.prevHash;
        prevTo = line.fromSeq;
        expectedBlock = line.fromBlock;
        continue;
      }
      if (!header) throw new AuditArchiveError(`${file} is not an audit archive.`);
      if ('block' in line) {
        pending = reviveBlock(line.block);
        continue;
      }
      const block = pending;
      pending = undefined;
      if (!block) throw new AuditArchiveError(`${file} is damaged: records without their block.`);
      records += line.records.length;
      if (!keys || chainProblem) continue;
      const rows = line.records.map(reviveRecord);
      const macs: (readonly [number, string])[] = [];
      for (const row of rows) {
        const mac = recordMac(keys, row);
        if (row.mac !== null && row.mac !== mac) {
          chainProblem ??= `Record ${row.seq} (${row.id}) no longer matches its MAC.`;
        }
        macs.push([row.seq, row.mac ?? mac]);
      }
      const { hash, recordSeqs, recordCount: _count, ...content } = block;
      const listed = canonicalJson(recordSeqs) === canonicalJson(rows.map((r) => r.seq));
      if (
        block.seq !== expectedBlock ||
        block.fromSeq !== prevTo ||
        block.prevHash !== prevHash ||
        !listed ||
        blockHash(keys, content, macs) !== hash
      ) {
        chainProblem ??= `Block ${block.seq} does not verify: it or its records were altered.`;
      }
      prevHash = hash;
      prevTo = block.toSeq;
      expectedBlock = block.seq + 1;
    }
  } catch (error) {
    if (error instanceof AuditArchiveError) throw error;
    throw new AuditArchiveError(`${file} cannot be read: ${(error as Error).message}`);
  }
  if (!header || !signature)
    return { ok: false, chainChecked: false, problem: 'The archive is incomplete: it has no signature.' };
  const sha256 = digest.digest('hex');
  const summary = {
    kid: header.kid,
    fromBlock: header.fromBlock,
    toBlock: header.toBlock,
    records,
    chainChecked: keys !== undefined,
  };
  if (signature.sha256 !== sha256)
    return { ok: false, ...summary, problem: 'The content was changed after it was signed.' };
  if (!verify(null, Buffer.from(sha256, 'hex'), options.publicKey, Buffer.from(signature.value, 'base64url')))
    return { ok: false, ...summary, problem: 'The signature does not match the archive key.' };
  if (records !== header.records)
    return { ok: false, ...summary, problem: `The archive holds ${records} records, not ${header.records}.` };
  if (keys && (chainProblem || prevHash !== header.lastHash || expectedBlock !== header.toBlock + 1))
    return {
      ok: false,
      ...summary,
      problem: chainProblem ?? 'The chain inside does not reach its last hash.',
    };
  return { ok: true, ...summary };
}
