import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, isStrataError } from '../index.js';

/** Codes of errors the server itself raises (StrataError codes pass through unchanged). */
export const HttpErrorCode = {
  /** The request does not match the route's schema, or its JSON is malformed. */
  INVALID_REQUEST: 'INVALID_REQUEST',
  /** No or a wrong bearer token. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** No value under that key, or no such route. */
  NOT_FOUND: 'NOT_FOUND',
  /** The body is larger than the server's body limit. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** Only `application/json` bodies are accepted. */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** The server is shutting down or not ready. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** A bug: the message is logged, not sent. */
  INTERNAL: 'INTERNAL',
} as const;

/** An error with the HTTP status and code to answer with. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const STATUS_OF_STRATA_CODE: Record<string, number> = {
  [ErrorCode.INVALID_KEY]: 400,
  [ErrorCode.INVALID_OPTION]: 400,
  [ErrorCode.INVALID_TTL]: 400,
  [ErrorCode.UNKNOWN_CLASS]: 400,
  [ErrorCode.INVALID_INPUT]: 400,
  [ErrorCode.NOT_SERIALIZABLE]: 400,
  [ErrorCode.VALUE_TOO_LARGE]: 413,
  [ErrorCode.DECODE_FAILED]: 500,
  [ErrorCode.FACTORY_ERROR]: 502,
  [ErrorCode.FACTORY_TIMEOUT]: 504,
  [ErrorCode.TIMEOUT]: 504,
  [ErrorCode.CLOSED]: 503,
  [ErrorCode.CIRCUIT_OPEN]: 503,
  [ErrorCode.TIER_FAILURE]: 503,
  [ErrorCode.INVALID_REDIS_CONFIG]: 500,
};

/** The HTTP status a StrataError code maps to. */
export function statusOfStrataCode(code: string): number {
  return STATUS_OF_STRATA_CODE[code] ?? 500;
}

/** The body of every error answer. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** Fastify's own errors (schema validation, JSON parsing, body limit) and ours, as `{ error: { code, message } }`. */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof HttpError) {
    reply.code(error.statusCode).send(errorBody(error.code, error.message));
    return;
  }
  if (isStrataError(error)) {
    reply.code(statusOfStrataCode(error.code)).send(errorBody(error.code, error.message));
    return;
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation !== undefined) {
    const detail = fastifyError.message.replace(/^(body|querystring|params|headers)/, '').replace(/^\/?\s*/, '');
    reply.code(400).send(errorBody(HttpErrorCode.INVALID_REQUEST, `${fastifyError.validationContext ?? 'request'}${detail.startsWith('/') ? '' : ' '}${detail}`));
    return;
  }
  const status = fastifyError.statusCode;
  if (status === 413 || fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    reply.code(413).send(errorBody(HttpErrorCode.PAYLOAD_TOO_LARGE, `the body is larger than the server's body limit: ${fastifyError.message}`));
    return;
  }
  if (status === 415) {
    reply.code(415).send(errorBody(HttpErrorCode.UNSUPPORTED_MEDIA_TYPE, 'send the body as application/json'));
    return;
  }
  if (status !== undefined && status >= 400 && status < 500) {
    reply.code(status).send(errorBody(HttpErrorCode.INVALID_REQUEST, fastifyError.message));
    return;
  }
  request.log.error({ err: error }, 'request failed');
  reply.code(500).send(errorBody(HttpErrorCode.INTERNAL, 'internal error (see the server log)'));
}
