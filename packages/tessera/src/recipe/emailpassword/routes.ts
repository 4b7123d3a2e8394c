/**
 * The endpoints of the emailpassword recipe (protocol 4.2): each reads and checks its input,
 * calls its API function, and writes the status union in the wire format. The per-address limits
 * (limits.ts) guard the endpoints here, outside the overridable APIs, so an override cannot drop them.
 */
import type { AppInfo } from "../../core/app-info.js";
import { BadInputError } from "../../core/errors.js";
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import type { Route } from "../../core/recipe.js";
import type { Storage } from "../../core/storage.js";
import { EMAIL_ID, PASSWORD_ID } from "./config.js";
import { readBody, readFormFields, rejectSessionLinking, validateFormFields } from "./form.js";
import { reserveAddress, sendTooManyRequests, settlePasswordSuccess } from "./limits.js";
import type { APIInterface, APIOptions, FormField, NormalisedEmailPasswordConfig, NormalisedFormField, RecipeInterface, UserContext } from "./types.js";

/** The text supertokens' frontend shows when the address is taken (protocol 4.2). */
export const EMAIL_EXISTS_TEXT = "This email already exists. Please sign in instead.";

interface RouteContext {
  config: NormalisedEmailPasswordConfig;
  recipeImplementation: RecipeInterface;
  apiImplementation: APIInterface;
  appInfo: AppInfo;
  storage: Storage;
}

function notFound(res: HttpResponse): void {
  res.setStatus(404);
  res.sendJSON({ message: "Not found" });
}

/**
 * Reads `formFields` and validates them: the fields to hand on (configured ids only), or the
 * FIELD_ERROR response already sent (then undefined).
 */
async function readForm(
  body: Record<string, unknown>,
  configured: readonly NormalisedFormField[],
  input: { res: HttpResponse; tenantId: string; userContext: UserContext },
): Promise<FormField[] | undefined> {
  const fields = readFormFields(body.formFields, configured);
  const errors = await validateFormFields(fields, configured, input.tenantId, input.userContext);
  if (errors.length > 0) {
    input.res.sendJSON({ status: "FIELD_ERROR", formFields: errors });
    return undefined;
  }
  return fields.filter((field) => configured.some((c) => c.id === field.id));
}

export function makeRoutes({ config, recipeImplementation, apiImplementation: apis, appInfo, storage }: RouteContext): Route[] {
  const options = (req: HttpRequest, res: HttpResponse): APIOptions => ({ config, recipeImplementation, appInfo, req, res });

  /** Counts the request against the address's limit for the endpoint; true when it was refused (429 sent). */
  const refusedByAddressLimit = async (req: HttpRequest, res: HttpResponse, endpoint: "signUp" | "passwordResetToken" | "emailExists") => {
    const { retryAfterMs } = await reserveAddress(storage, req, endpoint);
    if (retryAfterMs !== undefined) sendTooManyRequests(res, retryAfterMs);
    return retryAfterMs !== undefined;
  };

  const emailExists: Route["handle"] = async ({ req, res, tenantId, userContext }) => {
    if (!apis.emailExistsGET) return notFound(res);
    // It answers whether an account exists: without a limit it is an enumeration oracle.
    if (await refusedByAddressLimit(req, res, "emailExists")) return;
    const email = req.query.get("email");
    if (email === null) throw new BadInputError("Please provide the email as a GET param");
    res.sendJSON(await apis.emailExistsGET({ email, tenantId, options: options(req, res), userContext }));
  };

  return [
    {
      method: "POST",
      path: "/signup",
      handle: async ({ req, res, tenantId, userContext }) => {
        if (!apis.signUpPOST) return notFound(res);
        if (await refusedByAddressLimit(req, res, "signUp")) return;
        const body = await readBody(req);
        rejectSessionLinking(req, body);
        const formFields = await readForm(body, config.signUpFormFields, { res, tenantId, userContext });
        if (!formFields) return;
        const result = await apis.signUpPOST({ formFields, tenantId, options: options(req, res), userContext });
        if (result.status === "OK") return res.sendJSON({ status: "OK", user: result.user });
        // The frontend shows this next to the email field; supertokens answers the same way.
        if (result.status === "EMAIL_ALREADY_EXISTS_ERROR") return res.sendJSON({ status: "FIELD_ERROR", formFields: [{ id: EMAIL_ID, error: EMAIL_EXISTS_TEXT }] });
        res.sendJSON(result);
      },
    },
    {
      method: "POST",
      path: "/signin",
      handle: async ({ req, res, tenantId, userContext }) => {
        if (!apis.signInPOST) return notFound(res);
        const body = await readBody(req);
        rejectSessionLinking(req, body);
        const formFields = await readForm(body, config.signInFormFields, { res, tenantId, userContext });
        if (!formFields) return;
        // Only wrong credentials count against the address: the reservation is given back otherwise.
        const address = await reserveAddress(storage, req, "signIn");
        if (address.retryAfterMs !== undefined) return sendTooManyRequests(res, address.retryAfterMs);
        let failed = false;
        try {
          const result = await apis.signInPOST({ formFields, tenantId, options: options(req, res), userContext });
          failed = result.status === "WRONG_CREDENTIALS_ERROR";
          if (result.status === "OK") await settlePasswordSuccess(storage, result.user.id, result.session);
          res.sendJSON(result.status === "OK" ? { status: "OK", user: result.user } : result);
        } finally {
          if (!failed) await address.undo();
        }
      },
    },
    { method: "GET", path: "/emailpassword/email/exists", handle: emailExists },
    // Deprecated path of the same API, still called by older frontends.
    { method: "GET", path: "/signup/email/exists", handle: emailExists },
    {
      method: "POST",
      path: "/user/password/reset/token",
      handle: async ({ req, res, tenantId, userContext }) => {
        if (!apis.generatePasswordResetTokenPOST) return notFound(res);
        // Each request may send an email: the limit bounds mail bombing from one address.
        if (await refusedByAddressLimit(req, res, "passwordResetToken")) return;
        const body = await readBody(req);
        const formFields = await readForm(body, config.resetTokenFormFields, { res, tenantId, userContext });
        if (!formFields) return;
        res.sendJSON(await apis.generatePasswordResetTokenPOST({ formFields, tenantId, options: options(req, res), userContext }));
      },
    },
    {
      method: "POST",
      path: "/user/password/reset",
      handle: async ({ req, res, tenantId, userContext }) => {
        if (!apis.passwordResetPOST) return notFound(res);
        const body = await readBody(req);
        // Shape first (400), then the policy (FIELD_ERROR): a malformed request never burns a token.
        readFormFields(body.formFields, config.resetPasswordFormFields);
        if (body.token === undefined) throw new BadInputError("Please provide the password reset token");
        if (typeof body.token !== "string") throw new BadInputError("The password reset token must be a string");
        const formFields = await readForm(body, config.resetPasswordFormFields, { res, tenantId, userContext });
        if (!formFields) return;
        const result = await apis.passwordResetPOST({ formFields, token: body.token, tenantId, options: options(req, res), userContext });
        if (result.status === "PASSWORD_POLICY_VIOLATED_ERROR") {
          return res.sendJSON({ status: "FIELD_ERROR", formFields: [{ id: PASSWORD_ID, error: result.failureReason }] });
        }
        res.sendJSON(result.status === "OK" ? { status: "OK" } : result);
      },
    },
  ];
}
