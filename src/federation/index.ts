/**
 * OIDC federation's pure checks (issue #16): a CI job's token verified in a fixed order, policies'
 * claim rules, the choice of a policy with the closest one when none matches, explain, and lint.
 * No routes and no storage here: the JWKS cache (src/trust) and the replay store are injected.
 */
export * from './algorithms.js';
export * from './choose-policy.js';
export * from './claim-rules.js';
export * from './lint-policy.js';
export * from './reasons.js';
export * from './replay-guard.js';
export * from './verify-token.js';
export * from './x5c.js';
