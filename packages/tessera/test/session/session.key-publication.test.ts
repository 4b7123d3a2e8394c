import { afterEach, describe, expect, it } from "vitest";
import tessera from "../../src/index.js";
import { fixedClock } from "../../src/core/clock.js";
import { getInstance } from "../../src/core/instance.js";
import Session from "../../src/recipe/session/index.js";

const appInfo = { appName: "Test", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" };
afterEach(() => tessera.reset());

describe("signing-key publication", () => {
  it("stores the next period's key once the current period is half over, before anything is signed with it", async () => {
    const interval = 100_000;
    const clock = fixedClock(10 * interval);
    tessera.init({ appInfo, database: "sqlite::memory:", clock, recipeList: [Session.init({ signingKeyRotationInterval: interval / 1000 })] });
    await Session.createNewSessionWithoutRequestResponse("public", "u1");
    expect((await getInstance().storage.keys.list()).map((k) => k.period)).toEqual([10]);

    clock.advance(interval / 2 + 1);
    await Session.createNewSessionWithoutRequestResponse("public", "u2");
    const periods = (await getInstance().storage.keys.list()).map((k) => k.period).sort();
    expect(periods).toEqual([10, 11]);

    // In the next period the token is signed with the key that was published in advance.
    clock.advance(interval / 2);
    const session = await Session.createNewSessionWithoutRequestResponse("public", "u3");
    const kid = JSON.parse(Buffer.from(session.getAccessToken().split(".")[0]!, "base64url").toString()).kid;
    const published = (await getInstance().storage.keys.list()).find((k) => k.period === 11);
    expect(kid).toBe(published?.kid);
    expect(published!.createdAt).toBeLessThanOrEqual(10 * interval + interval / 2 + 1);
  });
});
