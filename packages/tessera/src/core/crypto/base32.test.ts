import { describe, expect, it } from "vitest";
import { BadInputError } from "../errors.js";
import { base32Decode, base32Encode } from "./base32.js";

// RFC 4648 §10 test vectors.
const VECTORS: [string, string][] = [
  ["", ""],
  ["f", "MY======"],
  ["fo", "MZXQ===="],
  ["foo", "MZXW6==="],
  ["foob", "MZXW6YQ="],
  ["fooba", "MZXW6YTB"],
  ["foobar", "MZXW6YTBOI======"],
];

describe("base32Encode", () => {
  it.each(VECTORS)("encodes %j as %j", (text, encoded) => {
    expect(base32Encode(Buffer.from(text))).toBe(encoded);
  });

  it("leaves the padding off when asked", () => {
    expect(base32Encode(Buffer.from("foobar"), { padding: false })).toBe("MZXW6YTBOI");
  });

  it("encodes the RFC 6238 seeds as the reference table shows", () => {
    expect(base32Encode(Buffer.from("12345678901234567890"))).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    expect(base32Encode(Buffer.from("12345678901234567890123456789012"))).toBe(
      "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA====",
    );
  });
});

describe("base32Decode", () => {
  it.each(VECTORS)("decodes %j from %j", (text, encoded) => {
    expect(base32Decode(encoded).toString()).toBe(text);
  });

  it("accepts lower case, spaces and missing padding", () => {
    expect(base32Decode("mzxw 6ytb oi").toString()).toBe("foobar");
    expect(base32Decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").toString()).toBe("12345678901234567890");
  });

  it("round-trips random bytes of every length up to 40", () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 151 + length * 7) & 0xff));
      expect(base32Decode(base32Encode(bytes)).equals(bytes)).toBe(true);
      expect(base32Decode(base32Encode(bytes, { padding: false })).equals(bytes)).toBe(true);
    }
  });

  it.each([["MZXW1YTB"], ["MZXW-YTB"], ["MZXW\nYTB"], ["MZXWÄYTB"], ["MZXW0YTB"]])(
    "rejects %j with an error naming the position",
    (input) => {
      expect(() => base32Decode(input)).toThrow(BadInputError);
      expect(() => base32Decode(input)).toThrow(/invalid character at position 4/);
    },
  );

  it("rejects a length no encoding can produce", () => {
    expect(() => base32Decode("MZXW6YTBO")).toThrow(/length/);
    expect(() => base32Decode("M")).toThrow(/length/);
  });
});
