/**
 * `tessera/nextjs`: Next.js, on the Node.js runtime. The pages router goes through the Express
 * adapter (its API routes get Node's request and response, with the body already parsed); the App
 * Router goes through the fetch bridge. Either way the core answers; nothing here decides.
 *
 * @example
 * // pages/api/like-comment.ts (pages router)
 * await superTokensNextWrapper(async (next) => { await verifySession()(req, res, next); }, req, res);
 *
 * // app/auth/[[...path]]/route.ts (App Router: the auth API)
 * const handler = getAppDirRequestHandler();
 * export { handler as GET, handler as POST, handler as PUT, handler as DELETE };
 *
 * // app/api/user/route.ts (App Router: a guarded route handler)
 * export const GET = (request: Request) =>
 *   withSession(request, async (error, session) => error ? Response.json({}, { status: 500 }) : Response.json({ userId: session!.getUserId() }));
 */
import { SessionError } from "../core/errors.js";
import type { HttpRequest, HttpResponse } from "../core/http.js";
import { handleAPIRequest, handleError, makeDefaultUserContext } from "../core/router.js";
import { errorHandler } from "../framework/express/index.js";
import { verifySessionInRequest, type JSONObject, type SessionContainer, type VerifySessionOptions } from "../recipe/session/index.js";
import { collectResponse, fromCookies, fromFetchRequest, type RequestCookie } from "./fetch.js";

export type { HttpRequest, HttpResponse } from "../core/http.js";
export type { RequestCookie } from "./fetch.js";

/**
 * Pages router: runs Express-style middleware (tessera's `middleware()` or `verifySession(...)`)
 * inside a Next.js API route or `getServerSideProps`. An error passed to `next` or thrown becomes
 * tessera's 401/403/400 answer; any other error rejects the returned promise.
 *
 * When tessera has answered (no session, failed claim), the returned promise never settles, so the
 * code after it does not run and cannot write to a finished response. Otherwise it resolves: with
 * `undefined` when `next()` was called, or with the middleware's own result.
 *
 * @example
 * import { superTokensNextWrapper } from "tessera/nextjs";
 * import { verifySession } from "tessera/recipe/session/framework/express";
 * export default async function handler(req: SessionRequest, res: any) {
 *   await superTokensNextWrapper(async (next) => { await verifySession()(req, res, next); }, req, res);
 *   res.json({ userId: req.session!.getUserId() });
 * }
 */
export function superTokensNextWrapper<T>(middleware: (next: (middlewareError?: unknown) => void) => Promise<T>, request: unknown, response: unknown): Promise<T> {
  // Next's pages-router objects are Node's IncomingMessage and ServerResponse, which the Express adapter wraps.
  type Native = Parameters<ReturnType<typeof errorHandler>>;
  const req = request as Native[1];
  const res = response as Native[2];
  return new Promise<T>((resolve, reject) => {
    let nextCalled = false;
    const answer = (error: unknown) => errorHandler()(error, req, res, reject);
    const next = (middlewareError?: unknown) => {
      nextCalled = true;
      if (middlewareError === undefined) resolve(undefined as T);
      else answer(middlewareError).catch(reject);
    };
    middleware(next).then(
      (result) => {
        if (!nextCalled && !res.headersSent && !res.writableEnded) resolve(result);
      },
      (error: unknown) => answer(error).catch(reject),
    );
  });
}

/**
 * App Router: the handler for tessera's API (`app/<apiBasePath>/[[...path]]/route.ts`). Requests
 * outside tessera's endpoints get 404; errors that are not tessera's are thrown to Next.js.
 *
 * @example
 * import { getAppDirRequestHandler } from "tessera/nextjs";
 * const handler = getAppDirRequestHandler();
 * export { handler as GET, handler as POST, handler as PUT, handler as DELETE, handler as PATCH };
 */
export function getAppDirRequestHandler(): (request: Request) => Promise<Response> {
  return async (request) => {
    const res = collectResponse();
    if (!(await handleAPIRequest(fromFetchRequest(request), res))) return new Response("Not found", { status: 404 });
    return res.toResponse();
  };
}

/**
 * App Router route handlers and middleware (Node.js runtime): verifies the session as
 * `verifySession(options)` does and calls `handler(undefined, session)`. A session failure is
 * answered with tessera's 401/403 without calling the handler; any other error is passed to it as
 * `handler(error, undefined)`. Cookies and headers tessera set (e.g. a refetched claim) are added
 * to the handler's response.
 *
 * @example
 * import { withSession } from "tessera/nextjs";
 * export const POST = (request: Request) =>
 *   withSession(request, async (error, session) => {
 *     if (error) return Response.json({ message: "internal error" }, { status: 500 });
 *     return Response.json({ userId: session!.getUserId() });
 *   }, { overrideGlobalClaimValidators: (v) => [...v, SecondFactorClaim.validators.hasValue(true)] });
 */
export async function withSession<R extends Response>(
  request: Request,
  handler: (error: Error | undefined, session: SessionContainer | undefined) => Promise<R>,
  options?: VerifySessionOptions,
): Promise<R | Response> {
  const req = fromFetchRequest(request);
  const res = collectResponse();
  const userContext = makeDefaultUserContext(req);
  let session: SessionContainer | undefined;
  try {
    session = await verifySessionInRequest(req, res, options, userContext);
  } catch (error) {
    try {
      if (await handleError(error, req, res, userContext)) return res.toResponse();
    } catch (handlerError) {
      return res.mergeInto(await handler(asError(handlerError), undefined));
    }
    return res.mergeInto(await handler(asError(error), undefined));
  }
  return res.mergeInto(await handler(undefined, session));
}

/**
 * App Router: gives `handler` the request and a response in the core's neutral shape, for the
 * session functions that take `(req, res)` (`Session.createNewSession`, `Session.getSession`,
 * `Session.refreshSession`). The cookies and headers they set are added to the handler's response;
 * a session error thrown by the handler becomes tessera's 401/403.
 *
 * @example
 * export const POST = (request: Request) =>
 *   withPreParsedRequestResponse(request, async (req, res) => {
 *     await Session.createNewSession(req, res, "public", userId);
 *     return Response.json({ status: "OK" });
 *   });
 */
export async function withPreParsedRequestResponse<R extends Response>(
  request: Request,
  handler: (req: HttpRequest, res: HttpResponse) => Promise<R>,
): Promise<R | Response> {
  const req = fromFetchRequest(request);
  const res = collectResponse();
  try {
    return res.mergeInto(await handler(req, res));
  } catch (error) {
    if (await handleError(error, req, res)) return res.toResponse();
    throw error;
  }
}

/** What {@link getSSRSession} found. */
export interface SSRSession {
  /** The verified session; undefined when there is none or its claims failed. */
  session: SessionContainer | undefined;
  /** The verified access token's payload; undefined exactly when `session` is. */
  accessTokenPayload: JSONObject | undefined;
  /** True when the request carried an access token: no session then means "refresh" (or failed claims), not "sign in". */
  hasToken: boolean;
  /** True when the session is valid but a claim validator failed (tessera would answer 403). */
  hasInvalidClaims: boolean;
  /** Why there is no session (401 unauthorised or try refresh, 403 invalid claims); undefined with a session. */
  error: SessionError | undefined;
  /** The 401/403 answer `verifySession` gives for `error` (same status, body and cleared cookies); undefined with a session. */
  errorResponse: Response | undefined;
}

/**
 * Server components, `generateMetadata` and middleware: the session from the request's cookies,
 * verified exactly as `verifySession(options)` would (the token, then the global claim validators
 * or `options.overrideGlobalClaimValidators`). Session failures are returned, never thrown; other
 * errors (storage down) are thrown. A server component cannot set cookies, so when the access
 * token has expired (`hasToken` and an error of type TRY_REFRESH_TOKEN) send the user to a page
 * that refreshes the session.
 *
 * @example
 * import { cookies } from "next/headers";
 * const { session, hasToken } = await getSSRSession((await cookies()).getAll());
 * if (!session) redirect(hasToken ? "/refresh-session" : "/sign-in");
 */
export async function getSSRSession(cookies: Iterable<RequestCookie>, options?: VerifySessionOptions): Promise<SSRSession> {
  const req = fromCookies(cookies);
  const res = collectResponse();
  const userContext = makeDefaultUserContext(req);
  const hasToken = req.getCookieValues("sAccessToken").length > 0;
  try {
    const session = await verifySessionInRequest(req, res, options, userContext);
    const accessTokenPayload = session?.getAccessTokenPayload();
    return { session, accessTokenPayload, hasToken, hasInvalidClaims: false, error: undefined, errorResponse: undefined };
  } catch (error) {
    if (!(error instanceof SessionError) || !(await handleError(error, req, res, userContext))) throw error;
    const hasInvalidClaims = error.type === SessionError.INVALID_CLAIMS;
    return { session: undefined, accessTokenPayload: undefined, hasToken, hasInvalidClaims, error, errorResponse: res.toResponse() };
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value), { cause: value });
}
