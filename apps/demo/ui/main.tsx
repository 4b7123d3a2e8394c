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

import React, { useState } from "react";
import { createRoot } from "react-dom/client";
import SuperTokens, { SuperTokensWrapper } from "supertokens-auth-react";
import { canHandleRoute, getRoutingComponent } from "supertokens-auth-react/ui";
import EmailPassword from "supertokens-auth-react/recipe/emailpassword";
import { EmailPasswordPreBuiltUI } from "supertokens-auth-react/recipe/emailpassword/prebuiltui";
import TOTP from "supertokens-auth-react/recipe/totp";
import { TOTPPreBuiltUI } from "supertokens-auth-react/recipe/totp/prebuiltui";
import MultiFactorAuth from "supertokens-auth-react/recipe/multifactorauth";
import { MultiFactorAuthPreBuiltUI } from "supertokens-auth-react/recipe/multifactorauth/prebuiltui";
import Session, { SessionAuth, signOut, useSessionContext } from "supertokens-auth-react/recipe/session";

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
        TOTP.init(),
        MultiFactorAuth.init({ firstFactors: ["emailpassword"] }),
        Session.init(),
    ],
});

const PRE_BUILT_UIS = [EmailPasswordPreBuiltUI, TOTPPreBuiltUI, MultiFactorAuthPreBuiltUI];

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

function Home() {
    const session = useSessionContext();
    const [likeResult, setLikeResult] = useState<LikeResult | undefined>(undefined);
    const [busy, setBusy] = useState(false);
    // Counts finished requests, so a test (or a person) can tell a new result from the previous one.
    const [count, setCount] = useState(0);

    if (session.loading) {
        return <p>Loading…</p>;
    }

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
    if (canHandleRoute(PRE_BUILT_UIS)) {
        return getRoutingComponent(PRE_BUILT_UIS);
    }
    const path = window.location.pathname.replace(/\/+$/, "") || "/";
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
        <App />
    </SuperTokensWrapper>
);
