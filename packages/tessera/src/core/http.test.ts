import { describe, expect, it } from "vitest";
import { readNodeHeader, requestPath } from "./http.js";

describe("requestPath", () => {
  it("reads every request target as new URL() does", () => {
    const targets = [
      "/", "/protected", "/auth/session/refresh?x=1", "/a/b/", "/a//b", "//evil.example/x", "/a/./b", "/a/../b", "/a/%2e%2e/b",
      "/a%20b", "/a b", "/ä", "/a\\b", "/a#frag", "/a?b#c", "/.", "/..", "/a/.hidden", "/a/..b", "/~user/x@y:z;p=1,2",
      "/a'b", '/a"b', "/a<b>", "/a{b}", "/a|b", "/a^b", "/a`b",
    ];
    for (const target of targets) expect(requestPath(target), target).toBe(new URL(target, "http://localhost").pathname);
  });
});

describe("readNodeHeader", () => {
  const raw = ["Host", "x", "Authorization", "Bearer a", "rid", "session", "X-Multi", "1", "x-multi", "2", "authorization", "Bearer b"];

  it("joins every line of a header, in order, whatever the case of its name", () => {
    expect(readNodeHeader(raw, "x-multi")).toBe("1, 2");
    expect(readNodeHeader(raw, "authorization")).toBe("Bearer a, Bearer b");
    expect(readNodeHeader(raw, "rid")).toBe("session");
    expect(readNodeHeader(raw, "anti-csrf")).toBeUndefined();
  });

  it("gives what headersDistinct joined gives", () => {
    const distinct: Record<string, string[]> = {};
    for (let i = 0; i < raw.length; i += 2) (distinct[raw[i]!.toLowerCase()] ??= []).push(raw[i + 1]!);
    for (const name of Object.keys(distinct)) expect(readNodeHeader(raw, name)).toBe(distinct[name]!.join(", "));
  });
});
