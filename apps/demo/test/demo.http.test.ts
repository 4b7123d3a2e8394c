/**
 * The demo server over plain HTTP: what the browser suites do not reach. Found by a black-box
 * review: a path that is not valid percent-encoding made Express throw a URIError (status 400),
 * which the demo's last-resort handler answered with a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemo, type DemoServer } from "./demo-server.js";

describe("the demo's own error handling", () => {
  let demo: DemoServer;
  beforeAll(async () => {
    demo = await startDemo();
  }, 60_000);
  afterAll(async () => demo?.stop());

  it.each(["/%E0%A4%A", "/auth/%E0%A4%A/signin", "/auth/%ZZ/signin", "/auth/signin%E0%A4%A"])("answers a badly encoded path %s with 400 and a message, not 500", async (path) => {
    for (const method of ["GET", "POST"]) {
      const res = await fetch(demo.url + path, { method, headers: { "content-type": "application/json" }, body: method === "POST" ? "{}" : undefined });
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      const text = await res.text();
      expect(text).not.toMatch(/URIError|at .+\.js|node_modules/);
    }
  });

  // Found by a new-user trial: these got Express's HTML "Cannot POST ..." page.
  it.each([
    ["POST", "/auth/nonexistent"],
    ["DELETE", "/auth/signin"],
    ["PUT", "/like-comment"],
    ["POST", "/auth/unknown-tenant/signin"],
    ["POST", "/auth/user/email/verify"],
  ])("answers %s %s, which nothing serves, with a JSON 404", async (method, path) => {
    const res = await fetch(demo.url + path, { method, headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ message: "Not found" });
  });

  it("control: a page path still serves the app", async () => {
    const res = await fetch(`${demo.url}/some/page`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
  });
});
