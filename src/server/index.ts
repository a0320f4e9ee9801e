// `auth-chatkit/server`: verify the widget's tokens in any JavaScript backend. Server-only: it imports
// nothing from the element's modules, and package.json keeps it out of browser builds.
//   createVerifier       jose against Better Auth's JWKS, the result a user or a coded refusal
//   authenticateRequest  Fetch API: Request in, identity or error Response out
//   authMiddleware       Node / Express: req.auth, or the refusal answered
export { createVerifier } from './verify.js';
export type { Verifier } from './verify.js';
export type { VerifierConfig, VerifierOptions, VerifierStats } from './verifier-config.js';
export { bearerToken } from './bearer.js';
export type { AuthErrorCode, AuthFailure, AuthResult, AuthSuccess, Identity } from './result.js';
export type { Rejection, RejectionReason, RequestLabel } from './rejection.js';
export { authenticateRequest, failureResponse } from './fetch.js';
export type { RequestAuth, RequestAuthFailure } from './fetch.js';
export { authMiddleware } from './node.js';
export type { AuthMiddleware, AuthRequest, AuthResponse } from './node.js';
export * from './chatkit/index.js';
