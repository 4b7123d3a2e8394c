/**
 * The recipe's endpoints (protocol 4.3): reading and shape-checking the request, loading the
 * session when the request links to it, and writing the API's result. Malformed input is 400
 * `{"message"}` and reaches nothing else; well-formed but unacceptable values (an invalid email)
 * are the API's `GENERAL_ERROR`.
 */
import type { AppInfo } from "../../core/app-info.js";
import { BadInputError, SessionError } from "../../core/errors.js";
import { readJSONBody, type HttpRequest, type HttpResponse } from "../../core/http.js";
import { clientAddress, getLimits, limitKeys, reserve } from "../../core/limits.js";
import { now } from "../../core/clock.js";
import type { Route, UserContext } from "../../core/recipe.js";
import type { Storage } from "../../core/storage.js";
import { FACTOR_ROUTE_SESSION, getSession, type SessionContainer } from "../session/index.js";
import { sendTooManyRequests } from "./limits.js";
import type { APIInterface, APIOptions, NormalisedPasswordlessConfig, RecipeInterface } from "./types.js";

/** Longer than any id, code or contact this recipe issues or accepts; longer input is refused before any work. */
const MAX_FIELD_LENGTH = 512;

interface RouteContext {
  config: NormalisedPasswordlessConfig;
  recipeImplementation: RecipeInterface;
  apiImplementation: APIInterface;
  appInfo: AppInfo;
  storage: Storage;
}

async function readBody(req: HttpRequest): Promise<Record<string, unknown>> {
  const body = await readJSONBody(req);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BadInputError("Request body must be a JSON object");
  return body as Record<string, unknown>;
}

/** A string field: undefined when absent, 400 when of another type or too long. */
function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new BadInputError(`${field} must be a string`);
  if (value.length > MAX_FIELD_LENGTH) throw new BadInputError(`${field} is too long`);
  return value;
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const value = optionalString(body, field);
  if (value === undefined) throw new BadInputError(`Please provide the ${field}`);
  return value;
}

/** `shouldTryLinkingWithSessionUser` is read for FDI 3.1 and later (a missing `fdi-version` means the latest). */
function readsLinkingFlag(header: string | undefined): boolean {
  if (header === undefined || header.trim() === "") return true;
  return header.split(",").some((version) => {
    const [major = 0, minor = 0] = version.trim().split(".").map(Number);
    return major > 3 || (major === 3 && minor >= 1);
  });
}

/**
 * The session a request links to (protocol 4.0): with `shouldTryLinkingWithSessionUser: true`
 * it is required (401 without one); with false none is loaded and a sign-in replaces it. Older
 * frontends (FDI < 3.1) do not send the flag: a session they carry is used if valid. Claims are
 * not checked, so a user who is mid-MFA can complete a factor.
 */
async function linkingSession(req: HttpRequest, res: HttpResponse, body: Record<string, unknown>, userContext: UserContext): Promise<SessionContainer | undefined> {
  const flag = body.shouldTryLinkingWithSessionUser;
  if (flag !== undefined && typeof flag !== "boolean") throw new BadInputError("shouldTryLinkingWithSessionUser must be a boolean");
  const reads = readsLinkingFlag(req.getHeader("fdi-version"));
  if (reads && flag !== true) return undefined;
  // Against the database (see FACTOR_ROUTE_SESSION): a signed-out session must not set up or complete a factor.
  const session = await getSession(req, res, { ...FACTOR_ROUTE_SESSION, sessionRequired: reads }, userContext);
  if (!session && reads) throw SessionError.unauthorised("Session does not exist", false);
  return session;
}

function notFound(res: HttpResponse): void {
  res.setStatus(404);
  res.sendJSON({ message: "Not found" });
}

export function makeRoutes({ config, recipeImplementation, apiImplementation: apis, appInfo, storage }: RouteContext): Route[] {
  const options = (req: HttpRequest, res: HttpResponse): APIOptions => ({ config, recipeImplementation, appInfo, req, res });

  /** The exists checks tell anyone whether an account exists: counted per address like emailpassword's (429 when refused). */
  const refusedExistsCheck = async (req: HttpRequest, res: HttpResponse): Promise<boolean> => {
    const rule = getLimits().address.emailExists;
    const address = rule ? clientAddress(req) : undefined;
    if (!rule || address === undefined) return false;
    const reservation = await reserve(storage.limits, [{ key: limitKeys.address("emailExists", address), rule }], now());
    if (reservation.status === "OK") return false;
    sendTooManyRequests(res, reservation.retryAfterMs);
    return true;
  };

  const emailExists: Route["handle"] = async ({ req, res, tenantId, userContext }) => {
    if (!apis.emailExistsGET) return notFound(res);
    const email = req.query.get("email");
    if (email === null) throw new BadInputError("Please provide the email as a GET param");
    if (await refusedExistsCheck(req, res)) return;
    res.sendJSON(await apis.emailExistsGET({ email, tenantId, options: options(req, res), userContext }));
  };

  const phoneNumberExists: Route["handle"] = async ({ req, res, tenantId, userContext }) => {
    if (!apis.phoneNumberExistsGET) return notFound(res);
    const phoneNumber = req.query.get("phoneNumber");
    if (phoneNumber === null) throw new BadInputError("Please provide the phoneNumber as a GET param");
    if (await refusedExistsCheck(req, res)) return;
    res.sendJSON(await apis.phoneNumberExistsGET({ phoneNumber, tenantId, options: options(req, res), userContext }));
  };

  const routes: Route[] = [
    {
      method: "POST",
      path: "/signinup/code",
      handle: async ({ req, res, tenantId, userContext }) => {
        if (!apis.createCodePOST) return notFound(res);
        const body = await readBody(req);
        const email = optionalString(body, "email");
        const phoneNumber = optionalString(body, "phoneNumber");
        if ((email === undefined) === (phoneNumber === undefined)) throw new BadInputError("Please provide exactly one of email or phoneNumber");
        if (email !== undefined && config.contactMethod === "PHONE") throw new BadInputError('Please provide a phoneNumber: contactMethod is "PHONE"');
        if (phoneNumber !== undefined && config.contactMethod === "EMAIL") throw new BadInputError('Please provide an email: contactMethod is "EMAIL"');
        const session = await linkingSession(req, res, body, userContext);
        const contact = email !== undefined ? { email } : { phoneNumber: phoneNumber as string };
        // A session's tenant overrides the path's (protocol 4.0).
        const input = { ...contact, tenantId: session?.getTenantId() ?? tenantId, session, options: options(req, res), userContext };
        res.sendJSON(await apis.createCodePOST(input));
      },
    },
    {
      method: "POST",
      path: "/signinup/code/resend",
      handle: async ({ req, res, tenantId, userContext }) => {
        if (!apis.resendCodePOST) return notFound(res);
        const body = await readBody(req);
        const deviceId = requiredString(body, "deviceId");
        const preAuthSessionId = requiredString(body, "preAuthSessionId");
        const session = await linkingSession(req, res, body, userContext);
        res.sendJSON(await apis.resendCodePOST({ deviceId, preAuthSessionId, tenantId: session?.getTenantId() ?? tenantId, session, options: options(req, res), userContext }));
      },
    },
    {
      method: "POST",
      path: "/signinup/code/consume",
      handle: async ({ req, res, tenantId, userContext }) => {
        if (!apis.consumeCodePOST) return notFound(res);
        const body = await readBody(req);
        const preAuthSessionId = requiredString(body, "preAuthSessionId");
        const linkCode = optionalString(body, "linkCode");
        const deviceId = optionalString(body, "deviceId");
        const userInputCode = optionalString(body, "userInputCode");
        if (linkCode !== undefined && (deviceId !== undefined || userInputCode !== undefined)) {
          throw new BadInputError("Please provide one of (linkCode) or (deviceId+userInputCode) and not both");
        }
        if (linkCode === undefined && (deviceId === undefined || userInputCode === undefined)) {
          throw new BadInputError("Please provide one of (linkCode) or (deviceId+userInputCode)");
        }
        const session = await linkingSession(req, res, body, userContext);
        const code = linkCode !== undefined ? { linkCode } : { deviceId: deviceId as string, userInputCode: userInputCode as string };
        const result = await apis.consumeCodePOST({ preAuthSessionId, ...code, tenantId: session?.getTenantId() ?? tenantId, session, options: options(req, res), userContext });
        res.sendJSON(result.status === "OK" ? { status: "OK", createdNewRecipeUser: result.createdNewRecipeUser, user: result.user } : result);
      },
    },
    { method: "GET", path: "/passwordless/email/exists", handle: emailExists },
    // node registers the lowercase spelling, the FDI spec the camel case: both are served.
    { method: "GET", path: "/passwordless/phonenumber/exists", handle: phoneNumberExists },
    { method: "GET", path: "/passwordless/phoneNumber/exists", handle: phoneNumberExists },
    // Deprecated paths, still called by older frontends. `/signup/email/exists` is emailpassword's
    // too: recipe.ts drops it here when emailpassword is in recipeList (its own answers there).
    { method: "GET", path: "/signup/email/exists", handle: emailExists },
    { method: "GET", path: "/signup/phonenumber/exists", handle: phoneNumberExists },
    { method: "GET", path: "/signup/phoneNumber/exists", handle: phoneNumberExists },
  ];
  return routes;
}
