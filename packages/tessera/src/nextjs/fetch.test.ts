import { describe, expect, it } from "vitest";
import { BadInputError } from "../core/errors.js";
import { MAX_BODY_BYTES } from "../core/http.js";
import { collectResponse, fromCookies, fromFetchRequest } from "./fetch.js";

const cookie = (name: string, value: string) => ({ name, value, path: "/", expires: 0, httpOnly: true, secure: false, sameSite: "lax" as const });

describe("fromFetchRequest", () => {
  it("reads method, path, query, headers and every value of a duplicated cookie", () => {
    const req = fromFetchRequest(
      new Request("http://localhost/auth/session/refresh?x=1", { method: "post", headers: { Cookie: "a=1; sAccessToken=t%2B1; sAccessToken=t2", RID: "session" } }),
    );
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/auth/session/refresh");
    expect(req.query.get("x")).toBe("1");
    expect(req.getHeader("rid")).toBe("session");
    expect(req.getCookieValues("sAccessToken")).toStrictEqual(["t+1", "t2"]);
    expect(req.getCookieValues("missing")).toStrictEqual([]);
  });

  it("parses the JSON body once, answers {} for an empty one and refuses malformed or oversized ones", async () => {
    const req = fromFetchRequest(new Request("http://localhost/", { method: "POST", body: '{"a":1}' }));
    expect(await req.getJSONBody()).toStrictEqual({ a: 1 });
    expect(await req.getJSONBody()).toStrictEqual({ a: 1 });
    expect(await fromFetchRequest(new Request("http://localhost/")).getJSONBody()).toStrictEqual({});
    expect(await fromFetchRequest(new Request("http://localhost/", { method: "POST", body: "" })).getJSONBody()).toStrictEqual({});
    await expect(fromFetchRequest(new Request("http://localhost/", { method: "POST", body: "{" })).getJSONBody()).rejects.toBeInstanceOf(BadInputError);
    const big = JSON.stringify({ a: "x".repeat(MAX_BODY_BYTES) });
    await expect(fromFetchRequest(new Request("http://localhost/", { method: "POST", body: big })).getJSONBody()).rejects.toThrow(/too large/);
  });
});

describe("fromCookies", () => {
  it("is a GET that carries only the given cookies", async () => {
    const req = fromCookies([{ name: "sAccessToken", value: "a" }, { name: "sAccessToken", value: "b" }]);
    expect(req.method).toBe("GET");
    expect(req.getCookieValues("sAccessToken")).toStrictEqual(["a", "b"]);
    expect(req.getHeader("authorization")).toBeUndefined();
    expect(await req.getJSONBody()).toStrictEqual({});
  });
});

describe("collectResponse", () => {
  it("becomes a Response with its status, headers, JSON body and one Set-Cookie line per cookie", async () => {
    const res = collectResponse();
    res.setCookie(cookie("sAccessToken", "old"));
    res.setCookie(cookie("sRefreshToken", "r"));
    res.setCookie(cookie("sAccessToken", "new"));
    res.setHeader("Access-Control-Expose-Headers", "front-token");
    res.setHeader("access-control-expose-headers", "st-access-token", true);
    res.setHeader("x-removed", "1");
    res.removeHeader("X-Removed");
    res.setStatus(401);
    expect(res.isSent()).toBe(false);
    res.sendJSON({ message: "unauthorised" });
    res.sendJSON({ message: "second answer is ignored" });
    expect(res.isSent()).toBe(true);
    const out = res.toResponse();
    expect(out.status).toBe(401);
    expect(out.headers.get("content-type")).toMatch(/^application\/json/);
    expect(out.headers.get("access-control-expose-headers")).toBe("front-token, st-access-token");
    expect(out.headers.has("x-removed")).toBe(false);
    expect(out.headers.getSetCookie().map((c) => c.split(";")[0])).toStrictEqual(["sRefreshToken=r", "sAccessToken=new"]);
    expect(await out.json()).toStrictEqual({ message: "unauthorised" });
  });

  it("merges its cookies and headers into the app's response, copying a response whose headers are immutable", async () => {
    const res = collectResponse();
    res.setCookie(cookie("sAccessToken", "a"));
    res.setHeader("front-token", "f");
    res.setHeader("access-control-expose-headers", "front-token");

    const own = Response.json({ ok: true }, { headers: { "access-control-expose-headers": "x-own", "set-cookie": "theme=dark; Path=/" } });
    const merged = res.mergeInto(own);
    expect(merged).toBe(own);
    expect(merged.headers.get("front-token")).toBe("f");
    expect(merged.headers.get("access-control-expose-headers")).toBe("x-own, front-token");
    expect(merged.headers.getSetCookie().map((c) => c.split(";")[0])).toStrictEqual(["theme=dark", "sAccessToken=a"]);

    const redirect = Response.redirect("http://localhost/next", 307);
    const copied = res.mergeInto(redirect);
    expect(copied).not.toBe(redirect);
    expect(copied.status).toBe(307);
    expect(copied.headers.get("location")).toBe("http://localhost/next");
    expect(copied.headers.get("front-token")).toBe("f");
  });
});
