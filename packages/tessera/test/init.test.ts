/**
 * tessera.init as an app meets it: called once per process (a later call is ignored, as in
 * supertokens-node, so every module of an app may call it), and misuse refused at init with a
 * message that says what to change, not a TypeError at the first request. Found by a new-user trial.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../src/core/errors.js";
import tessera, { type TesseraConfig } from "../src/index.js";
import Session from "../src/recipe/session/index.js";
import type { SessionConfig } from "../src/recipe/session/types.js";

const appInfo = { appName: "Init", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" };
const config = (extra: Partial<TesseraConfig> = {}, session: SessionConfig = {}): TesseraConfig => ({
  framework: "express",
  appInfo,
  database: "sqlite::memory:",
  recipeList: [Session.init(session)],
  ...extra,
});

afterEach(async () => tessera.reset());

describe("tessera.init", () => {
  it("ignores a second call while tessera runs: the first instance keeps its sessions and keys", async () => {
    tessera.init(config({}, { accessTokenValidity: 60 }));
    const session = await Session.createNewSessionWithoutRequestResponse("public", "user-1");
    tessera.init(config({ appInfo: { ...appInfo, apiDomain: "http://other.example" } }, { accessTokenValidity: 7200 }));
    const again = await Session.getSessionWithoutRequestResponse(session.getAccessToken());
    expect(again?.getHandle()).toBe(session.getHandle());
    const later = await Session.createNewSessionWithoutRequestResponse("public", "user-2");
    expect(later.getAccessTokenPayload().iss).toBe("http://127.0.0.1/auth");
    expect(later.getAccessTokenPayload().exp - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(60);
  });

  it("starts again after tessera.reset()", async () => {
    tessera.init(config({}, { accessTokenValidity: 60 }));
    await tessera.reset();
    tessera.init(config({}, { accessTokenValidity: 7200 }));
    const session = await Session.createNewSessionWithoutRequestResponse("public", "user-1");
    expect(session.getAccessTokenPayload().exp - Math.floor(Date.now() / 1000)).toBeGreaterThan(3600);
  });

  it.each<[string, () => TesseraConfig, RegExp]>([
    ["a database that is neither a URL nor a storage object", () => config({ database: 42 as never }), /database must be a URL .* or a storage object/],
    ["a recipe list of names", () => config({ recipeList: ["session"] as never }), /recipeList\[0\] is not a recipe/],
    ["an unknown framework", () => config({ framework: "rails" }), /framework "rails" is not one of express, fastify/],
    ["an override that is not a function", () => config({}, { override: { functions: 5 as never } }), /override.functions and override.apis must be functions/],
    ["cookieSecure as a string", () => config({}, { cookieSecure: "false" as never }), /cookieSecure must be true or false/],
    ["a status code that is not 4xx", () => config({}, { invalidClaimStatusCode: 200 }), /invalidClaimStatusCode must be a 4xx status code/],
  ])("refuses %s with a ConfigError that says what to change", async (_, make, message) => {
    expect(() => tessera.init(make())).toThrow(ConfigError);
    await tessera.reset();
    expect(() => tessera.init(make())).toThrow(message);
  });
});
