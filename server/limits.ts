/**
 * Request size limits, in one place so the areas agree.
 *
 * - Every route: JSON bodies up to DEFAULT_BODY_LIMIT (buildApp's `bodyLimit`); more is a 413
 *   with a Dutch message.
 * - Uploads (DUO and contact-list imports) use multipart/form-data. @fastify/multipart does not
 *   use `bodyLimit`, and its default file size is the global body limit (1 MiB): register it with
 *   `limits: { fileSize: UPLOAD_FILE_LIMIT, files: 1, fields: 20 }` (and the route with
 *   `bodyLimit: UPLOAD_BODY_LIMIT`). A national DUO file is a few MB. `part.toBuffer()` then throws
 *   a 413 that the error handler answers in Dutch; when streaming the file instead, check
 *   `part.file.truncated` and refuse a truncated file.
 * - The respondent routes (/api/s/…) take at most RESPONDENT_BODY_LIMIT: a whole questionnaire's
 *   answers with every open answer at its length limit stays far below it.
 * - A route that needs a larger JSON body (a questionnaire autosave, say) sets its own
 *   `bodyLimit` on the route, never a larger global one.
 */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const UPLOAD_FILE_LIMIT = 20 * 1024 * 1024;
export const UPLOAD_BODY_LIMIT = UPLOAD_FILE_LIMIT + 64 * 1024;
export const RESPONDENT_BODY_LIMIT = 256 * 1024;
