/**
 * Domain errors carry an HTTP status and a Dutch message for the person who caused them.
 * The app's one error handler turns them into responses; anything else becomes a 500 without
 * details.
 */
export class DomainError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    /** Dutch, shown to the user as is. */
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string, details?: unknown) => new DomainError(400, code, message, details);
export const unauthorized = (message = 'U bent niet (meer) ingelogd.') => new DomainError(401, 'unauthorized', message);
export const forbidden = (message = 'U heeft geen toegang tot deze functie.') => new DomainError(403, 'forbidden', message);
export const notFound = (message = 'Niet gevonden.') => new DomainError(404, 'not_found', message);
export const conflict = (code: string, message: string, details?: unknown) => new DomainError(409, code, message, details);

/** The body every error response has. */
export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}
