// Live counters read by the end-to-end tests and the benchmarks (never reset, only incremented).
export interface ServerStats {
  /** POST /chatkit requests received (before verification). */
  chatRequests: number;
  /** POST /chatkit answers by HTTP status. */
  chatResponsesByStatus: Record<number, number>;
  /** JWTs handed out by GET /api/auth/token. */
  tokensIssued: number;
  /** JWKS documents served by GET /api/auth/jwks (to anyone, this server's own verifier included). */
  jwksServed: number;
  /** JWKS fetches made by the verifier (a cache miss, jose's own refresh, or a forced reload). */
  jwksFetches: number;
  /** Reloads the verifier forced because a token named an unknown kid (rate-limited). */
  jwksForcedReloads: number;
  /** Full signature verifications (jose jwtVerify calls). */
  tokenVerifications: number;
  /** Requests whose token was found in the verified-token cache. */
  tokenCacheHits: number;
  /** Chat streams that ended because the client went away. */
  chatStreamsCancelled: number;
  /**
   * Requests from another origin (an embedding site) that carried a cookie other than the any-site
   * sign-in's partitioned ones: third-party cookies at work (the cross-site tests expect none).
   */
  crossSiteRequestsWithOtherCookies: number;
}

export function createStats(): ServerStats {
  return {
    chatRequests: 0,
    chatResponsesByStatus: {},
    tokensIssued: 0,
    jwksServed: 0,
    jwksFetches: 0,
    jwksForcedReloads: 0,
    tokenVerifications: 0,
    tokenCacheHits: 0,
    chatStreamsCancelled: 0,
    crossSiteRequestsWithOtherCookies: 0,
  };
}
