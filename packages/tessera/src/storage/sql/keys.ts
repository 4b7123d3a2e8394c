/** The signing-key and secret store over any {@link SqlDriver}: parameterised statements only. */
import { now } from "../../core/clock.js";
import type { KeyKind, KeyStore, SigningKeyRow } from "../../core/storage.js";
import { toNumber, type SqlDriver } from "./driver.js";

interface SigningKeyRecord {
  kid: string;
  kind: string;
  algorithm: string;
  period: unknown;
  public_key: string;
  private_key: string;
  created_at: unknown;
  retire_at: unknown;
}

const COLUMNS = "kid, kind, algorithm, period, public_key, private_key, created_at, retire_at";

function toRow(record: SigningKeyRecord): SigningKeyRow {
  return {
    kid: record.kid,
    kind: record.kind as KeyKind,
    algorithm: record.algorithm,
    period: toNumber(record.period),
    publicKey: record.public_key,
    privateKey: record.private_key,
    createdAt: toNumber(record.created_at),
    retireAt: toNumber(record.retire_at),
  };
}

export function createSqlKeyStore(driver: SqlDriver): KeyStore {
  return {
    async list() {
      const records = await driver.all<SigningKeyRecord>(
        `SELECT ${COLUMNS} FROM signing_keys ORDER BY created_at, kid`,
      );
      return records.map(toRow);
    },

    async insert(row) {
      // Two processes rotating at the same moment both try to insert the key for the new period;
      // UNIQUE (kind, period) lets exactly one of them in and the other learns it lost.
      const { changes } = await driver.run(
        `INSERT INTO signing_keys (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ` +
          "ON CONFLICT (kind, period) DO NOTHING",
        [
          row.kid,
          row.kind,
          row.algorithm,
          row.period,
          row.publicKey,
          row.privateKey,
          row.createdAt,
          row.retireAt,
        ],
      );
      return changes === 1;
    },

    async deleteRetired(nowMs) {
      // A key still verifies at its retireAt instant, so only keys retired strictly before go.
      const { changes } = await driver.run("DELETE FROM signing_keys WHERE retire_at < ?", [nowMs]);
      return changes;
    },

    async getSecret(name) {
      const row = await driver.get<{ value: string }>("SELECT value FROM secrets WHERE name = ?", [
        name,
      ]);
      return row === undefined ? null : row.value;
    },

    async putSecretIfAbsent(name, value) {
      // Insert-or-ignore then read back: whoever inserted first wins, everyone reads the winner.
      await driver.run(
        "INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
        [name, value, now()],
      );
      const row = await driver.get<{ value: string }>("SELECT value FROM secrets WHERE name = ?", [
        name,
      ]);
      if (row === undefined) throw new Error(`secret "${name}" vanished right after it was stored`);
      return row.value;
    },
  };
}
