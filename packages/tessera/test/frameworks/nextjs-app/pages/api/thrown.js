// An error of the app's own, thrown inside the wrapper: not tessera's, so it must reach Next.js (500).
import { superTokensNextWrapper } from "tessera/nextjs";
import { ensureInit } from "../../lib/tessera";

export default async function thrown(req, res) {
  ensureInit();
  await superTokensNextWrapper(async () => {
    throw new Error("the app's own failure");
  }, req, res);
  res.status(200).json({ reached: true });
}
