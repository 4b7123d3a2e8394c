// Tessera demo UI.
//
// SuperTokens' own pre-built React UI (supertokens-auth-react) talking to the
// Tessera backend through the SuperTokens frontend driver interface. Bundled at
// build time by ../build-ui.mjs; nothing is fetched from a CDN at runtime.
//
// Routing: supertokens-auth-react does not need react-router-dom. It has a
// "no router" mode: `canHandleRoute(preBuiltUIs)` tells whether the current
// window.location.pathname is one of its pages (/auth, /auth/mfa,
// /auth/mfa/totp, /auth/reset-password, ...) and `getRoutingComponent(...)`
// renders it. Without a router every navigation the SDK does is a full page
// load (window.location), which is fine for a single-page app whose server
// returns index.html for every non-API GET path.
//
// Second factors: the pre-built UI's TOTP and emailed one-time code (its
// Passwordless recipe as an MFA factor, /auth/mfa/otp-email), chosen on its
// factor chooser (/auth/mfa). Around it, ours: the recovery codes (shown once on
// the home page after the first TOTP device; used on /auth/mfa/recovery-code,
// linked from the pre-built code screens by a footer override) and "remember
// this browser" on the home page (tessera's POST /auth/mfa/trusted-device).

import React, { useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import SuperTokens, { SuperTokensWrapper } from "supertokens-auth-react";
import { canHandleRoute, getRoutingComponent } from "supertokens-auth-react/ui";
import EmailPassword from "supertokens-auth-react/recipe/emailpassword";
import { EmailPasswordPreBuiltUI } from "supertokens-auth-react/recipe/emailpassword/prebuiltui";
import Passwordless, { PasswordlessComponentsOverrideProvider } from "supertokens-auth-react/recipe/passwordless";
import { PasswordlessPreBuiltUI } from "supertokens-auth-react/recipe/passwordless/prebuiltui";
import TOTP, { TOTPComponentsOverrideProvider } from "supertokens-auth-react/recipe/totp";
import { TOTPPreBuiltUI } from "supertokens-auth-react/recipe/totp/prebuiltui";
import MultiFactorAuth from "supertokens-auth-react/recipe/multifactorauth";
import { MultiFactorAuthPreBuiltUI } from "supertokens-auth-react/recipe/multifactorauth/prebuiltui";
import Session, { SessionAuth, signOut, useSessionContext } from "supertokens-auth-react/recipe/session";

/** Set by the TOTP screen when a device was just verified; read once by the home page. */
const NEW_TOTP_DEVICE_KEY = "tessera-demo:new-totp-device";
/** Our own page for signing in with a recovery code instead of the authenticator app. */
const RECOVERY_CODE_PATH = "/auth/mfa/recovery-code";

SuperTokens.init({
    appInfo: {
        appName: "Tessera demo",
        apiDomain: window.location.origin,
        websiteDomain: window.location.origin,
        apiBasePath: "/auth",
        websiteBasePath: "/auth",
    },
    recipeList: [
        // The backend's policy follows ASVS 6.2: length (8+), no composition rules, a common-password
        // list. The pre-built UI's own default asks for a digit; it is replaced so both agree.
        EmailPassword.init({
            signInAndUpFeature: {
                signUpForm: {
                    formFields: [
                        {
                            id: "password",
                            validate: async (value: string) =>
                                [...value].length >= 8 ? undefined : "Use at least 8 characters",
                        },
                    ],
                },
            },
        }),
        TOTP.init({
            // Recovery codes are made right after a user's first TOTP device (see RecoveryCodesPanel):
            // the pre-built screen tells us here, then goes on to its success redirect.
            onHandleEvent: (context) => {
                if (context.action === "TOTP_DEVICE_VERIFIED") sessionStorage.setItem(NEW_TOTP_DEVICE_KEY, "1");
            },
        }),
        // The emailed one-time code as a second factor (otp-email). It is not a first factor here:
        // MultiFactorAuth's firstFactors keeps the sign-in page to email + password.
        Passwordless.init({ contactMethod: "EMAIL" }),
        MultiFactorAuth.init({ firstFactors: ["emailpassword"] }),
        Session.init(),
    ],
});

const PRE_BUILT_UIS = [EmailPasswordPreBuiltUI, TOTPPreBuiltUI, PasswordlessPreBuiltUI, MultiFactorAuthPreBuiltUI];

// The TOTP pre-built screen (/auth/mfa/totp) only offers to create a device
// when the backend lists "totp" in the MFA info's `factors.next`, or when
// `?setup=true` is given; otherwise it redirects straight back to the app.
// `setup=true` is what MultiFactorAuth.redirectToFactor({ factorId: "totp",
// forceSetup: true, redirectBack: true }) builds, so the link works whether or
// not the backend currently requires TOTP. `redirectToPath=/` brings the user
// home once the device is verified.
const TOTP_SETUP_URL = "/auth/mfa/totp?setup=true&redirectToPath=%2F";
// Entering a code from an already set-up device, even when the backend's MFA
// requirements are already met (stepUp=true stops the screen redirecting away).
const TOTP_VERIFY_URL = "/auth/mfa/totp?stepUp=true&redirectToPath=%2F";

type LikeResult = { status: number; body: unknown } | { error: string };
type JSONObject = Record<string, unknown>;
/** The `st-mfa` claim in the access token payload: completed factors (seconds) and whether MFA is done. */
type MFAClaim = { c?: Record<string, number>; v?: boolean };

/** The marker a remembered device leaves in `st-mfa.c` (tessera's TRUSTED_DEVICE_FACTOR_ID). */
const TRUSTED_DEVICE = "trusted-device";
const FIRST_FACTORS = ["emailpassword"];

/**
 * A call to tessera's API with a JSON body. Plain fetch, as for /like-comment: the SDK adds the
 * session tokens, refreshes on 401 and takes the new front token from the response.
 */
async function callAPI(method: "GET" | "POST" | "DELETE", path: string, body?: JSONObject): Promise<{ status: number; body: JSONObject }> {
    const res = await fetch(path, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    let parsed: JSONObject = {};
    try {
        parsed = (await res.json()) as JSONObject;
    } catch {
        // not JSON: keep the HTTP status only
    }
    return { status: res.status, body: parsed };
}

/** `redirectToPath` from the query, only when it is a path of this site (never `//host` or a URL). */
function redirectToPathFromQuery(): string {
    const path = new URLSearchParams(window.location.search).get("redirectToPath");
    return path !== null && path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\") ? path : "/";
}

/** Our recovery-code page, carrying the pre-built screen's `redirectToPath` along. */
function recoveryCodeURL(): string {
    const redirectToPath = new URLSearchParams(window.location.search).get("redirectToPath");
    return redirectToPath === null ? RECOVERY_CODE_PATH : `${RECOVERY_CODE_PATH}?redirectToPath=${encodeURIComponent(redirectToPath)}`;
}

/**
 * Recovery codes: made and shown once right after the user's first TOTP device (when they have
 * none yet), with the count of unused codes and a way to replace the set (which the backend allows
 * only within 15 minutes of a second factor).
 */
function RecoveryCodesPanel({ mfa, onSettled }: { mfa: MFAClaim | undefined; onSettled: () => void }) {
    const [codes, setCodes] = useState<string[] | undefined>(undefined);
    const [remaining, setRemaining] = useState<number | undefined>(undefined);
    const [message, setMessage] = useState("");
    const started = useRef(false);

    async function createCodes() {
        const created = await callAPI("POST", "/auth/recovery-codes");
        if (created.status === 200 && created.body.status === "OK" && Array.isArray(created.body.codes)) {
            const made = created.body.codes as string[];
            setCodes(made);
            setRemaining(made.length);
            setMessage("");
        } else if (created.status === 403) {
            setCodes(undefined);
            setMessage("New recovery codes need a second factor completed in the last 15 minutes: sign in again, or enter a two-factor code first.");
        } else if (created.body.status === "NO_SECOND_FACTOR_ERROR") {
            setMessage("Set up two-factor first: recovery codes stand in for it.");
        } else {
            setMessage(`Could not make recovery codes (HTTP ${created.status}).`);
        }
    }

    useEffect(() => {
        if (started.current) return;
        started.current = true;
        void (async () => {
            const count = await callAPI("GET", "/auth/recovery-codes");
            const left = typeof count.body.remainingCodes === "number" ? count.body.remainingCodes : undefined;
            setRemaining(left);
            // Once, right after the TOTP screen verified a device: the first set comes with the setup.
            if (sessionStorage.getItem(NEW_TOTP_DEVICE_KEY) !== null) {
                sessionStorage.removeItem(NEW_TOTP_DEVICE_KEY);
                if (left === 0) await createCodes();
            }
        })().finally(onSettled);
    }, []);

    return (
        <section id="recovery-codes-panel">
            <h2>Recovery codes</h2>
            {codes !== undefined ? (
                <>
                    <p>
                        <strong>Save these now: they are shown only this once.</strong> Each one works once, in
                        place of the authenticator app (&ldquo;Use a recovery code&rdquo; on the code screen).
                    </p>
                    <ol id="recovery-codes">
                        {codes.map((code) => (
                            <li key={code}>
                                <code>{code}</code>
                            </li>
                        ))}
                    </ol>
                </>
            ) : null}
            <p id="recovery-codes-left" data-count={remaining === undefined ? "" : String(remaining)}>
                {remaining === undefined ? "" : `Unused recovery codes: ${remaining}`}
            </p>
            {mfa?.v === true ? (
                <p>
                    <button id="new-recovery-codes" onClick={() => void createCodes()}>
                        Make new recovery codes
                    </button>
                </p>
            ) : null}
            {message !== "" ? <p id="recovery-codes-message">{message}</p> : null}
        </section>
    );
}

/**
 * "Remember this browser": offered when this session completed a real second factor. A sign-in
 * from a remembered browser says so, and can forget it.
 */
function TrustedDevicePanel({ mfa, ready }: { mfa: MFAClaim | undefined; ready: boolean }) {
    const [remembered, setRemembered] = useState<number | undefined>(undefined);
    const [forgotten, setForgotten] = useState(false);
    const [message, setMessage] = useState("");
    if (mfa?.v !== true) return null;
    const completed = Object.keys(mfa.c ?? {});
    const fromRememberedDevice = completed.includes(TRUSTED_DEVICE);
    const hasSecondFactor = completed.some((id) => !FIRST_FACTORS.includes(id) && id !== TRUSTED_DEVICE);

    async function remember() {
        const result = await callAPI("POST", "/auth/mfa/trusted-device", {});
        if (result.status === 200 && result.body.status === "OK" && typeof result.body.expiresAt === "number") {
            setRemembered(result.body.expiresAt);
            setForgotten(false);
            setMessage("");
        } else if (result.status === 403) {
            setMessage("A browser can be remembered only within 10 minutes of a second factor: enter a two-factor code first.");
        } else {
            setMessage(`Could not remember this browser (HTTP ${result.status}).`);
        }
    }

    async function forget() {
        const result = await callAPI("DELETE", "/auth/mfa/trusted-device", {});
        if (result.status === 200 && result.body.status === "OK") {
            setForgotten(true);
            setRemembered(undefined);
        } else setMessage(`Could not forget this browser (HTTP ${result.status}).`);
    }

    return (
        <section id="trusted-device-panel">
            <h2>This browser</h2>
            {fromRememberedDevice && !forgotten ? (
                <p id="trusted-sign-in">This browser is remembered, so this sign-in skipped the second factor.</p>
            ) : null}
            {remembered !== undefined ? (
                <p id="device-remembered">
                    Remembered until {new Date(remembered).toLocaleDateString()}: the next sign-in here skips the second factor.
                </p>
            ) : hasSecondFactor && (!fromRememberedDevice || forgotten) ? (
                <p>
                    <button id="remember-device" onClick={() => void remember()} disabled={!ready}>
                        Remember this browser for 30 days
                    </button>
                </p>
            ) : null}
            {(fromRememberedDevice || remembered !== undefined) && !forgotten ? (
                <p>
                    <button id="forget-device" onClick={() => void forget()}>
                        Forget this browser
                    </button>
                </p>
            ) : null}
            {forgotten ? <p id="device-forgotten">Forgotten: the next sign-in here asks for the second factor.</p> : null}
            {message !== "" ? <p id="trusted-device-message">{message}</p> : null}
        </section>
    );
}

/** Our page beside the pre-built UI: the second factor done with a recovery code instead of TOTP. */
function RecoveryCodeSignIn() {
    const [code, setCode] = useState("");
    const [error, setError] = useState("");
    const [busy, setBusy] = useState(false);

    async function submit(event: React.FormEvent) {
        event.preventDefault();
        setBusy(true);
        setError("");
        try {
            const result = await callAPI("POST", "/auth/recovery-codes/verify", { code });
            const status = result.body.status;
            if (result.status === 200 && status === "OK") {
                // `st-mfa` is complete in the new access token the response carried.
                window.location.assign(redirectToPathFromQuery());
                return;
            }
            if (status === "INVALID_RECOVERY_CODE_ERROR") setError("That recovery code is wrong or has been used already.");
            else if (status === "NO_RECOVERY_CODES_ERROR") setError("You have no unused recovery codes left.");
            else if (status === "LIMIT_REACHED_ERROR") {
                const minutes = Math.ceil(Number(result.body.retryAfterMs ?? 0) / 60_000);
                setError(`Too many wrong codes: try again in ${minutes} min.`);
            } else if (typeof result.body.message === "string") setError(result.body.message);
            else setError(`Something went wrong (HTTP ${result.status}).`);
        } catch (err) {
            setError(`Request failed: ${String(err)}`);
        } finally {
            setBusy(false);
        }
    }

    return (
        <main style={{ fontFamily: "Arial, sans-serif", maxWidth: 420, margin: "40px auto", lineHeight: 1.5 }}>
            <h1>Use a recovery code</h1>
            <p>Enter one of the recovery codes you saved when you set up two-factor. Each code works once.</p>
            <form onSubmit={(event) => void submit(event)}>
                <p>
                    <label>
                        Recovery code
                        <br />
                        <input
                            name="recoveryCode"
                            autoComplete="one-time-code"
                            autoCapitalize="none"
                            spellCheck={false}
                            value={code}
                            onChange={(event) => setCode(event.target.value)}
                            placeholder="xxxxx-xxxxx"
                            style={{ fontSize: "1.1em", width: "100%" }}
                        />
                    </label>
                </p>
                <p>
                    <button id="submit-recovery-code" type="submit" disabled={busy || code.trim() === ""}>
                        Continue
                    </button>
                </p>
            </form>
            <p id="recovery-code-error" role="alert" style={{ color: "#b00020" }}>
                {error}
            </p>
            <p>
                <a
                    href="/auth/mfa"
                    onClick={(event) => {
                        // Back to the code screen this page was opened from.
                        if (window.history.length > 1) {
                            event.preventDefault();
                            window.history.back();
                        }
                    }}
                >
                    Back
                </a>
                {" · "}
                <a
                    href="/auth"
                    onClick={(event) => {
                        event.preventDefault();
                        void signOut().then(() => window.location.assign("/auth"));
                    }}
                >
                    Sign out
                </a>
            </p>
        </main>
    );
}

/** "Use a recovery code", shown when the user has unused ones (the count needs no completed MFA). */
function RecoveryCodeLink() {
    const [remaining, setRemaining] = useState(0);
    useEffect(() => {
        void callAPI("GET", "/auth/recovery-codes").then((result) => {
            if (typeof result.body.remainingCodes === "number") setRemaining(result.body.remainingCodes);
        });
    }, []);
    if (remaining === 0) return null;
    return (
        <div data-supertokens="footerLinkGroupVert">
            <a id="use-recovery-code" data-supertokens="link" href={recoveryCodeURL()}>
                Use a recovery code
            </a>
        </div>
    );
}

type FooterOverride = (props: { DefaultComponent: React.ComponentType<JSONObject> } & JSONObject) => React.JSX.Element;
/** A pre-built footer with our recovery-code link above it. */
const withRecoveryCodeLink: FooterOverride = ({ DefaultComponent, ...props }) => (
    <>
        <RecoveryCodeLink />
        <DefaultComponent {...props} />
    </>
);
// The pre-built UI does not know recovery codes: its two code screens (authenticator app, emailed
// code) get the link, which is all it needs to offer them.
const TOTP_COMPONENT_OVERRIDES = { TOTPCodeVerificationFooter_Override: withRecoveryCodeLink };
const PASSWORDLESS_COMPONENT_OVERRIDES = { PasswordlessMFAOTPFooter_Override: withRecoveryCodeLink };

function Home() {
    const session = useSessionContext();
    const [likeResult, setLikeResult] = useState<LikeResult | undefined>(undefined);
    const [busy, setBusy] = useState(false);
    // Counts finished requests, so a test (or a person) can tell a new result from the previous one.
    const [count, setCount] = useState(0);
    const [codesSettled, setCodesSettled] = useState(false);

    if (session.loading) {
        return <p>Loading…</p>;
    }

    const mfa = (session.accessTokenPayload as JSONObject | undefined)?.["st-mfa"] as MFAClaim | undefined;

    async function likeComment() {
        setBusy(true);
        try {
            // Plain fetch: once Session.init has run, the SuperTokens SDK
            // intercepts fetch calls to apiDomain (our own origin) and adds the
            // session tokens / anti-csrf headers, and refreshes on 401.
            const res = await fetch("/like-comment", { method: "POST" });
            const text = await res.text();
            let body: unknown = text;
            try {
                body = JSON.parse(text);
            } catch {
                // not JSON: show the raw text
            }
            setLikeResult({ status: res.status, body });
        } catch (err) {
            setLikeResult({ error: String(err) });
        } finally {
            setCount((c) => c + 1);
            setBusy(false);
        }
    }

    async function onSignOut() {
        await signOut();
        window.location.assign("/auth");
    }

    return (
        <main style={{ fontFamily: "Arial, sans-serif", maxWidth: 640, margin: "40px auto", lineHeight: 1.5 }}>
            <h1>Tessera demo</h1>
            <p>
                Signed in as user <code id="user-id">{session.userId}</code>
            </p>
            <p>
                <button id="like-comment" onClick={likeComment} disabled={busy}>
                    Like comment
                </button>{" "}
                <button id="sign-out" onClick={onSignOut}>
                    Sign out
                </button>
            </p>
            <pre
                id="like-result"
                data-count={count}
                data-status={likeResult && "status" in likeResult ? String(likeResult.status) : ""}
                style={{ background: "#f4f4f4", padding: 12, minHeight: "1.5em", whiteSpace: "pre-wrap" }}
            >
                {likeResult === undefined
                    ? ""
                    : "error" in likeResult
                    ? `Request failed: ${likeResult.error}`
                    : `HTTP ${likeResult.status}\n${JSON.stringify(likeResult.body, null, 2)}`}
            </pre>
            <p>
                <a id="setup-totp" href={TOTP_SETUP_URL}>
                    Set up two-factor
                </a>
                {" · "}
                <a id="verify-totp" href={TOTP_VERIFY_URL}>
                    Enter two-factor code
                </a>
            </p>
            {/* A new set of recovery codes forgets remembered browsers, so remembering waits for the first set. */}
            <TrustedDevicePanel mfa={mfa} ready={codesSettled} />
            <RecoveryCodesPanel mfa={mfa} onSettled={() => setCodesSettled(true)} />
        </main>
    );
}

function NotFound() {
    return (
        <main style={{ fontFamily: "Arial, sans-serif", maxWidth: 640, margin: "40px auto" }}>
            <h1>Not found</h1>
            <p>
                <a href="/">Home</a>
            </p>
        </main>
    );
}

function App() {
    const path = window.location.pathname.replace(/\/+$/, "") || "/";
    if (path === RECOVERY_CODE_PATH) {
        // Claims skipped, as on the pre-built factor screens: the user is still mid-MFA here.
        return (
            <SessionAuth overrideGlobalClaimValidators={() => []}>
                <RecoveryCodeSignIn />
            </SessionAuth>
        );
    }
    if (canHandleRoute(PRE_BUILT_UIS)) {
        return getRoutingComponent(PRE_BUILT_UIS);
    }
    if (path === "/") {
        // MultiFactorAuth.init registers a global claim validator for the
        // `st-mfa` claim; with it, SessionAuth redirects to /auth/mfa... by
        // itself as soon as `st-mfa.v` is false. The home page must stay
        // visible before TOTP is done (so the user can see /like-comment's 403
        // body, which is guarded by the backend's own `2fa-completed` claim),
        // so we drop every global claim validator here; SessionAuth then only
        // requires that a session exists (redirecting to /auth if not).
        return (
            <SessionAuth overrideGlobalClaimValidators={() => []}>
                <Home />
            </SessionAuth>
        );
    }
    return <NotFound />;
}

createRoot(document.getElementById("root")!).render(
    <SuperTokensWrapper>
        <TOTPComponentsOverrideProvider components={TOTP_COMPONENT_OVERRIDES}>
            <PasswordlessComponentsOverrideProvider components={PASSWORDLESS_COMPONENT_OVERRIDES}>
                <App />
            </PasswordlessComponentsOverrideProvider>
        </TOTPComponentsOverrideProvider>
    </SuperTokensWrapper>
);
