import { describe, expect, it } from "vitest";
import { StorageUnavailableError } from "../../core/errors.js";
import { mapPostgresError, toPostgresPlaceholders } from "./sql-text.js";

describe("toPostgresPlaceholders", () => {
  it("numbers placeholders in order", () => {
    expect(toPostgresPlaceholders("UPDATE t SET a = ?, b = ? WHERE c = ? AND d IN (?, ?)")).toBe(
      "UPDATE t SET a = $1, b = $2 WHERE c = $3 AND d IN ($4, $5)",
    );
  });

  it("leaves a statement without placeholders unchanged", () => {
    expect(toPostgresPlaceholders("SELECT 1")).toBe("SELECT 1");
  });

  it("leaves question marks inside literals, quoted identifiers and comments alone", () => {
    const sql = `SELECT '?', 'it''s ?', "col?" , E'\\' ?', $$ ? $$, $tag$ ?'? $tag$ -- ? here
      /* ? there */ FROM t WHERE a = ? AND b = '?'`;
    const out = toPostgresPlaceholders(sql);
    expect(out.match(/\$\d+/g)).toEqual(["$1"]);
    expect(out).toContain("WHERE a = $1 AND b = '?'");
    expect(out).toContain(`'it''s ?', "col?"`);
  });

  it("treats a backslash as an escape only in E'' literals", () => {
    // In a standard literal a backslash is an ordinary character, so the literal ends at the quote.
    expect(toPostgresPlaceholders("SELECT 'a\\', ?")).toBe("SELECT 'a\\', $1");
    expect(toPostgresPlaceholders("SELECT E'a\\', ?'")).toBe("SELECT E'a\\', ?'");
  });

  it("does not mistake a dollar inside an identifier for a dollar quote", () => {
    expect(toPostgresPlaceholders("SELECT a$b$, ? FROM t$x$")).toBe("SELECT a$b$, $1 FROM t$x$");
  });
});

describe("mapPostgresError", () => {
  const withCode = (code: string, message = "x") => Object.assign(new Error(message), { code });

  it("maps refused, reset and unreachable connections to StorageUnavailableError", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH"]) {
      const mapped = mapPostgresError(withCode(code));
      expect(mapped).toBeInstanceOf(StorageUnavailableError);
      expect((mapped as Error).cause).toBeInstanceOf(Error);
    }
  });

  it("maps pg's dropped-connection and timeout errors", () => {
    for (const message of [
      "Connection terminated unexpectedly",
      "Connection terminated due to connection timeout",
      "timeout exceeded when trying to connect",
      "Query read timeout",
      "Client has encountered a connection error and is not queryable",
    ]) {
      expect(mapPostgresError(new Error(message))).toBeInstanceOf(StorageUnavailableError);
    }
  });

  it("maps server shutdown, statement timeout, too many connections and a read-only standby", () => {
    for (const code of ["57P01", "57P03", "57014", "53300", "08006", "25006", "55P03"]) {
      expect(mapPostgresError(withCode(code))).toBeInstanceOf(StorageUnavailableError);
    }
  });

  it("maps an AggregateError whose attempts were all refused", () => {
    const error = new AggregateError([withCode("ECONNREFUSED"), withCode("ECONNREFUSED")], "connect failed");
    expect(mapPostgresError(error)).toBeInstanceOf(StorageUnavailableError);
  });

  it("passes bugs and constraint violations through unchanged", () => {
    for (const error of [withCode("23505"), withCode("42601"), withCode("42P01"), new TypeError("bad"), "text"]) {
      expect(mapPostgresError(error)).toBe(error);
    }
  });
});
