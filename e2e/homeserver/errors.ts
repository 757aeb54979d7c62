/** A Matrix error response: HTTP status, `errcode`, human text and any extra fields. */
export class MatrixError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The JSON body the spec gives for this error. */
  body(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.message, ...this.extra };
  }
}

export const forbidden = (msg: string) => new MatrixError(403, 'M_FORBIDDEN', msg);
export const notFound = (msg: string) => new MatrixError(404, 'M_NOT_FOUND', msg);
export const badJson = (msg: string) => new MatrixError(400, 'M_BAD_JSON', msg);
export const invalidParam = (msg: string) => new MatrixError(400, 'M_INVALID_PARAM', msg);
export const missingParam = (msg: string) => new MatrixError(400, 'M_MISSING_PARAM', msg);
export const tooLarge = (msg: string) => new MatrixError(413, 'M_TOO_LARGE', msg);
export const unknownToken = (softLogout: boolean) =>
  new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Unknown or expired access token', {
    soft_logout: softLogout,
  });
export const limitExceeded = (retryAfterMs: number) =>
  new MatrixError(429, 'M_LIMIT_EXCEEDED', 'Too many requests', {
    retry_after_ms: retryAfterMs,
  });
