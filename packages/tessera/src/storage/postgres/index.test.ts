import { describe, expect, it } from "vitest";
import { ConfigError } from "../../core/errors.js";
import { loadPg, parsePostgresUrl } from "./index.js";

describe("parsePostgresUrl", () => {
  it("takes the pool size out of the URL and keeps the other parameters", () => {
    expect(parsePostgresUrl("postgres://u:p%40ss@db:5432/app?pool=20&sslmode=require")).toEqual({
      connectionString: "postgres://u:p%40ss@db:5432/app?sslmode=require",
      poolSize: 20,
    });
    expect(parsePostgresUrl("postgres://db/app?pool=3")).toEqual({ connectionString: "postgres://db/app", poolSize: 3 });
  });

  it("takes the timeouts out of the URL, connect_timeout in seconds as libpq has it", () => {
    expect(parsePostgresUrl("postgres://db/app?connect_timeout=3&application_name=x&statement_timeout=2500")).toEqual({
      connectionString: "postgres://db/app?application_name=x",
      connectionTimeoutMs: 3000,
      statementTimeoutMs: 2500,
    });
  });

  it("leaves a URL without a pool parameter untouched", () => {
    expect(parsePostgresUrl("postgresql://db/app?options=-c%20search_path%3Dauth")).toEqual({
      connectionString: "postgresql://db/app?options=-c%20search_path%3Dauth",
    });
  });

  it("refuses a pool size that is not a positive integer", () => {
    for (const bad of ["0", "-1", "abc", "2.5", ""]) {
      expect(() => parsePostgresUrl(`postgres://db/app?pool=${bad}`)).toThrow(/pool/);
      expect(() => parsePostgresUrl(`postgres://db/app?statement_timeout=${bad}`)).toThrow(/statement_timeout/);
    }
  });
});

describe("loadPg", () => {
  it("says to install pg when it is not installed", async () => {
    const missing = Object.assign(new Error("Cannot find package 'pg'"), { code: "ERR_MODULE_NOT_FOUND" });
    const error = await loadPg(() => Promise.reject(missing)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/npm install pg/);
  });

  it("passes any other import failure through", async () => {
    const broken = new SyntaxError("broken pg");
    await expect(loadPg(() => Promise.reject(broken))).rejects.toBe(broken);
  });

  it("finds Pool whether the module comes as ESM or through CommonJS interop", async () => {
    const poolOf = (module: unknown) => (module as { Pool?: unknown }).Pool;
    expect(typeof poolOf(await loadPg())).toBe("function");
    const Pool = class {};
    expect(poolOf(await loadPg(async () => ({ default: { Pool } })))).toBe(Pool);
    expect(poolOf(await loadPg(async () => ({ Pool })))).toBe(Pool);
  });
});
