import type { RequestHandler } from 'express';
import { timingSafeEqual, createHash } from 'node:crypto';
import { AppError, ErrorCodes } from '../errors.ts';
import type { ApiKeyStore } from '../storage/api-key-store.ts';

/** Who is calling: the admin, or the holder of a user key. */
export type Principal = { kind: 'admin' } | { kind: 'user'; keyId: string; name: string };

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Constant-time comparison of two secrets (hashed first so lengths never leak). */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** The token of a request: `Authorization: Bearer T`, else `?access_token=T`. */
export function tokenOf(authorization: string | undefined, accessToken: unknown): string | null {
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1]! : null;
  }
  return typeof accessToken === 'string' && accessToken !== '' ? accessToken : null;
}

/** Who holds `token`: the admin, a user key's holder, or nobody (null). */
export async function principalOf(token: string, adminToken: () => string, keys: Pick<ApiKeyStore, 'find'>): Promise<Principal | null> {
  if (secretsEqual(token, adminToken())) return { kind: 'admin' };
  const key = await keys.find(token);
  return key ? { kind: 'user', keyId: key.id, name: key.name } : null;
}

/** Resolves the caller; 401 when there is no token or it is unknown. */
export function authenticate(adminToken: () => string, keys: Pick<ApiKeyStore, 'find'>): RequestHandler {
  return async (req, _res, next) => {
    const token = tokenOf(req.headers.authorization, req.query.access_token);
    if (!token) throw new AppError(ErrorCodes.unauthorized, 'A token is required: Authorization: Bearer TOKEN, or ?access_token=TOKEN.');
    const principal = await principalOf(token, adminToken, keys);
    if (!principal) throw new AppError(ErrorCodes.unauthorized, 'The token is not known.');
    req.principal = principal;
    next();
  };
}

/** 403 unless the caller is the admin. */
export const requireAdmin: RequestHandler = (req, _res, next) => {
  if (req.principal?.kind !== 'admin') throw new AppError(ErrorCodes.forbidden, 'Only the admin token may do this.');
  next();
};
