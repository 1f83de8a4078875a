export { createServer } from './createServer.js';
export type { ServerOptions, ServerLimits, StrataServer } from './createServer.js';
export type { SemanticHandler, SemanticLookupRequest, SemanticLookupResult, SemanticStoreRequest } from './semanticHandler.js';
export { isLoopback } from './bearerAuth.js';
