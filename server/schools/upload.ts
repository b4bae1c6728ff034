import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, DomainError } from '../errors';
import { MAX_FILE_BYTES } from './table';

/**
 * File uploads (DUO lists, contact lists, SWV assignments): one file per request, as
 * multipart/form-data, nothing else in it. Registered per area plugin, so only the routes that
 * take a file accept multipart at all.
 */
export async function registerUploads(app: FastifyInstance): Promise<void> {
  await app.register(fastifyMultipart, {
    limits: { fileSize: MAX_FILE_BYTES, files: 1, fields: 2, parts: 3, headerPairs: 50 },
  });
}

export interface Upload {
  bytes: Buffer;
  fileName: string | null;
}

/** Reads the request's one file into memory, refusing anything larger than `maxBytes` (Dutch errors). */
export async function readUpload(request: FastifyRequest, maxBytes = MAX_FILE_BYTES): Promise<Upload> {
  if (!request.isMultipart()) throw badRequest('no_file', 'Stuur een bestand mee (als upload).');
  const tooLarge = () => new DomainError(413, 'file_too_large', `Het bestand is groter dan ${Math.round(maxBytes / 1024 / 1024) || 1} MB.`);
  let file;
  try {
    file = await request.file({ limits: { fileSize: maxBytes, files: 1 } });
  } catch {
    throw badRequest('no_file', 'Het bestand kon niet worden gelezen.');
  }
  if (!file) throw badRequest('no_file', 'Stuur een bestand mee (als upload).');
  let bytes: Buffer;
  try {
    bytes = await file.toBuffer();
  } catch (error) {
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
    throw badRequest('no_file', 'Het bestand kon niet worden gelezen.');
  }
  // Busboy reports a truncated file instead of throwing when the limit is hit exactly.
  if (file.file.truncated || bytes.length > maxBytes) throw tooLarge();
  // Keep only a plain base name: it is shown back and written to the audit log.
  const fileName = file.filename ? file.filename.split(/[\\/]/).pop()!.replace(/[^\p{L}\p{N} ._()-]/gu, '').slice(0, 120) || null : null;
  return { bytes, fileName };
}
