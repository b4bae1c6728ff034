import { ApiError } from '../shared/api';

/**
 * Sends one file as multipart/form-data (the import endpoints), with the CSRF token of the
 * session, and returns the JSON answer; errors come back as ApiError with the server's Dutch
 * message, like api().
 */
export async function uploadFile<T>(url: string, file: File, csrfToken: string): Promise<T> {
  const form = new FormData();
  form.append('file', file, file.name);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      body: form,
      headers: { accept: 'application/json', 'x-csrf-token': csrfToken },
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network', 'De server is niet bereikbaar. Controleer uw internetverbinding.');
  }
  const text = await response.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const error = (data ?? {}) as { error?: string; message?: string; details?: unknown };
    throw new ApiError(response.status, error.error ?? `http_${response.status}`, error.message ?? `Er ging iets mis (${response.status}).`, error.details);
  }
  return data as T;
}
