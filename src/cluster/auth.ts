/**
 * Shared-token authentication for collector ↔ runner and for the control endpoint.
 *
 * The token never crosses the wire between collector and runners: each side proves it knows the token by an
 * HMAC of the other side's fresh nonce (challenge–response, both directions), so a runner executes code only
 * from a collector that knows the token, and a recorded handshake cannot be replayed. Comparisons are
 * constant-time over fixed-length digests (`timingSafeEqual` needs equal lengths, so anything not 32 bytes is
 * refused before comparing — its length is no secret).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes as 64 hex characters. */
export function newNonce(): string {
  return randomBytes(32).toString('hex');
}

/** A token for a run when none was given: 24 random bytes, URL-safe. */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Tokens shorter than this are refused: a guessable token would let anyone run code on runners. */
export const MIN_TOKEN_LENGTH = 16;

export function checkToken(token: string | undefined, what = '--token'): string {
  if (token === undefined || token.length === 0) throw new Error(`${what}: missing (or set ROOKERY_TOKEN)`);
  if (token.length < MIN_TOKEN_LENGTH) throw new Error(`${what}: at least ${MIN_TOKEN_LENGTH} characters, please (it lets its holder run code on runners)`);
  return token;
}

export type ProofRole = 'runner' | 'collector';

/** Hex HMAC-SHA256(token, `<role>:<nonce>`): the role keeps a proof from one direction useless in the other. */
export function proofFor(token: string, role: ProofRole, nonce: string): string {
  return createHmac('sha256', token).update(`rookery-cluster-v1:${role}:${nonce}`).digest('hex');
}

/** Constant-time check of a hex proof. */
export function verifyProof(token: string, role: ProofRole, nonce: string, proof: string): boolean {
  const expected = Buffer.from(proofFor(token, role, nonce), 'hex');
  const got = /^[0-9a-f]{64}$/.test(proof) ? Buffer.from(proof, 'hex') : undefined;
  if (!got || got.length !== expected.length) return false;
  return timingSafeEqual(expected, got);
}

/**
 * Constant-time comparison of a presented secret (an HTTP bearer token) with the expected one: both are
 * HMAC'd with a per-process random key first, so the compared buffers have equal length whatever was sent.
 */
const compareKey = randomBytes(32);
export function secretsEqual(presented: string, expected: string): boolean {
  const a = createHmac('sha256', compareKey).update(presented).digest();
  const b = createHmac('sha256', compareKey).update(expected).digest();
  return timingSafeEqual(a, b);
}
