/** The default email delivery: prints the verification link to the console (development and the demo). */
import type { EmailDelivery } from "./types.js";

/** For development only: anyone who reads the logs can use the link. */
export const consoleEmailDelivery: EmailDelivery = {
  sendEmail(input) {
    console.log(`[tessera] Email verification for ${input.user.email} (tenant ${input.tenantId}): ${input.emailVerifyLink}`);
  },
};
