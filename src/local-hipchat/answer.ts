// An HTTP answer as a value, and HipChat's error bodies: {"error": {"code", "message", "type", ...}} where
// `type` is the reason phrase.
import http from 'node:http';

export class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export interface ErrorExtras {
  field?: string;
  validation?: string;
  expected_type?: string;
  value?: unknown;
}

export function errorAnswer(status: number, message: string, extras: ErrorExtras = {}): HttpAnswer {
  const type = http.STATUS_CODES[status] ?? 'Error';
  return new HttpAnswer(status, { error: { code: status, message, type, ...extras } });
}

export const authRequired = (): HttpAnswer =>
  errorAnswer(401, 'Authenticated requests only. See: https://www.hipchat.com/docs/apiv2/auth for more information.');
export const invalidSession = (): HttpAnswer => errorAnswer(401, 'Invalid OAuth session');
export const rateLimitExceeded = (): HttpAnswer => errorAnswer(429, 'Rate Limit exceeded');
export const notFound = (): HttpAnswer => errorAnswer(404, 'Not found');
export const roomNotFound = (room: string): HttpAnswer => errorAnswer(404, `Room ${room} not found`);
export const methodNotAllowed = (allow: string[]): HttpAnswer => {
  const answer = errorAnswer(405, 'Method Not Allowed');
  answer.headers.Allow = allow.join(', ');
  return answer;
};

/** Thrown by request helpers (a bad query value...) to answer at once with `answer`. */
export class AnswerError extends Error {
  constructor(readonly answer: HttpAnswer) {
    super(`HTTP ${answer.status}`);
  }
}
