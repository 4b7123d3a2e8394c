import { ConfigError } from "./errors.js";

/** `appInfo` as the app passes it to `tessera.init`. */
export interface AppInfoInput {
  appName: string;
  apiDomain: string;
  websiteDomain: string;
  apiBasePath?: string;
  websiteBasePath?: string;
}

/** `appInfo` checked and normalised: domains are origins without a trailing slash, base paths start with "/" and have none at the end. */
export interface AppInfo {
  appName: string;
  apiDomain: string;
  websiteDomain: string;
  apiBasePath: string;
  websiteBasePath: string;
}

function normaliseOrigin(value: string, field: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new ConfigError(`appInfo.${field} is required`);
  const withProtocol = /^https?:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withProtocol);
  } catch {
    throw new ConfigError(`appInfo.${field} is not a valid URL: ${value}`);
  }
  return url.origin;
}

function normaliseBasePath(value: string | undefined, field: string): string {
  const path = (value ?? "/auth").trim();
  if (!/^\/?[A-Za-z0-9._~\-/]*$/.test(path)) throw new ConfigError(`appInfo.${field} must be a URL path such as "/auth"`);
  const withSlash = path.startsWith("/") ? path : `/${path}`;
  return withSlash.length > 1 ? withSlash.replace(/\/+$/, "") : "";
}

export function normaliseAppInfo(input: AppInfoInput | undefined): AppInfo {
  if (!input || typeof input !== "object") throw new ConfigError("tessera.init needs appInfo: { appName, apiDomain, websiteDomain }");
  if (typeof input.appName !== "string" || input.appName.trim() === "") throw new ConfigError("appInfo.appName is required");
  return {
    appName: input.appName,
    apiDomain: normaliseOrigin(input.apiDomain, "apiDomain"),
    websiteDomain: normaliseOrigin(input.websiteDomain, "websiteDomain"),
    apiBasePath: normaliseBasePath(input.apiBasePath, "apiBasePath"),
    websiteBasePath: normaliseBasePath(input.websiteBasePath, "websiteBasePath"),
  };
}
