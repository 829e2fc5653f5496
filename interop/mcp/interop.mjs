// Runs the OAuth client of the MCP TypeScript SDK against a running
// oauth-apps server, the way an MCP client meets a protected MCP server:
//
//   1. an unauthenticated request to <base>/mcp gets 401 with the
//      protected resource metadata URL (RFC 9728 section 5.1);
//   2. the SDK's auth() discovers the metadata, registers a client
//      dynamically (RFC 7591) and builds an authorization URL with PKCE
//      and the resource indicator (RFC 8707);
//   3. this script signs in and approves over plain HTTP with a cookie jar,
//      as a browser would on the server's HTML forms;
//   4. auth() exchanges the code, the token is used at <base>/mcp, then
//      auth() refreshes it and the new token is used again.
//
// Usage: node interop.mjs BASE_URL   (the server must already run; it
// starts nothing). Any failed check exits non-zero.

import assert from "node:assert/strict";

import {
  auth,
  extractResourceMetadataUrl,
} from "@modelcontextprotocol/sdk/client/auth.js";

const base = process.argv[2];
if (!base) {
  console.error("usage: node interop.mjs BASE_URL");
  process.exit(2);
}
const email = process.env.INTEROP_EMAIL ?? "member@example.com";
const password = process.env.INTEROP_PASSWORD ?? "correct horse battery staple";
const serverUrl = `${base}/mcp`;
const redirectUrl = "http://127.0.0.1:53682/callback";
const REQUEST_TIMEOUT_MS = 10_000;

/** An in-memory OAuthClientProvider that records the authorization URL. */
class MemoryProvider {
  constructor() {
    this.client = undefined;
    this.savedTokens = undefined;
    this.verifier = undefined;
    this.authorizationUrls = [];
  }
  get redirectUrl() {
    return redirectUrl;
  }
  get clientMetadata() {
    return {
      client_name: "MCP SDK interop test",
      redirect_uris: [redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  state() {
    return "interop-state";
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(information) {
    this.client = information;
  }
  tokens() {
    return this.savedTokens;
  }
  saveTokens(tokens) {
    this.savedTokens = tokens;
  }
  redirectToAuthorization(url) {
    this.authorizationUrls.push(new URL(url));
  }
  saveCodeVerifier(verifier) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** fetch with a cookie jar, no automatic redirects and a time limit. */
class Browser {
  constructor() {
    this.cookies = new Map();
  }
  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      const pairs = [...this.cookies].map(([name, value]) => `${name}=${value}`);
      headers.set("cookie", pairs.join("; "));
    }
    const response = await fetch(url, {
      ...init,
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const at = pair.indexOf("=");
      this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    return response;
  }
  async submit(pageUrl, form, extra) {
    const fields = new URLSearchParams(form.fields);
    for (const [name, value] of Object.entries(extra)) {
      fields.set(name, value);
    }
    return this.request(new URL(form.action, pageUrl), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: fields.toString(),
    });
  }
}

function unescapeHtml(text) {
  return text
    .replaceAll("&quot;", '"')
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&");
}

function attribute(tag, name) {
  const match = tag.match(new RegExp(`\\s${name}="([^"]*)"`));
  return match ? unescapeHtml(match[1]) : undefined;
}

/** Returns the first form of a page: its action and named inputs. */
function parseForm(html) {
  const start = html.indexOf("<form");
  assert.ok(start >= 0, `the page has no form: ${html.slice(0, 500)}`);
  const end = html.indexOf("</form>", start);
  const form = html.slice(start, end < 0 ? html.length : end);
  const action = attribute(form.slice(0, form.indexOf(">")), "action") ?? "";
  const fields = [];
  for (const tag of form.match(/<input[^>]*>/g) ?? []) {
    const name = attribute(tag, "name");
    const unchecked = attribute(tag, "type") === "radio" && !/\schecked/.test(tag);
    if (name && !unchecked) {
      fields.push([name, attribute(tag, "value") ?? ""]);
    }
  }
  return { action, fields };
}

/** Signs in and approves at `authorizationUrl`; returns the redirect. */
async function approve(authorizationUrl) {
  const browser = new Browser();
  const login = await browser.request(authorizationUrl);
  const loginHtml = await login.text();
  assert.equal(login.status, 200, `the login page: ${loginHtml.slice(0, 500)}`);
  const signedIn = await browser.submit(authorizationUrl, parseForm(loginHtml), {
    email,
    password,
  });
  assert.ok([302, 303].includes(signedIn.status), `login answered ${signedIn.status}`);

  const consentUrl = new URL(signedIn.headers.get("location"), authorizationUrl);
  const consent = await browser.request(consentUrl);
  const consentHtml = await consent.text();
  assert.equal(consent.status, 200, `the consent page: ${consentHtml.slice(0, 500)}`);
  assert.ok(consentHtml.includes("MCP SDK interop test"), "the consent page names the client");
  const decided = await browser.submit(consentUrl, parseForm(consentHtml), {
    decision: "approve",
  });
  assert.equal(decided.status, 303, "the decision redirects with 303");
  return new URL(decided.headers.get("location"));
}

async function callMcp(token) {
  const response = await fetch(serverUrl, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: "{}",
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  assert.equal(response.status, 200, `POST /mcp answered ${response.status}`);
  return response.json();
}

async function main() {
  // 1. Discovery starts from the resource's 401.
  const unauthorized = await fetch(serverUrl, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  assert.equal(unauthorized.status, 401);
  const resourceMetadataUrl = extractResourceMetadataUrl(unauthorized);
  assert.equal(
    resourceMetadataUrl?.href,
    `${base}/.well-known/oauth-protected-resource/mcp`,
  );

  // 2. Discovery, dynamic registration and the authorization URL.
  const provider = new MemoryProvider();
  assert.equal(await auth(provider, { serverUrl, resourceMetadataUrl }), "REDIRECT");
  assert.ok(provider.client?.client_id, "the SDK registered a client");
  const [authorizationUrl] = provider.authorizationUrls;
  assert.equal(authorizationUrl.searchParams.get("resource"), serverUrl);
  assert.equal(authorizationUrl.searchParams.get("code_challenge_method"), "S256");
  console.log(`registered client ${provider.client.client_id}`);

  // 3. Login and consent.
  const callback = await approve(authorizationUrl);
  assert.equal(callback.searchParams.get("state"), "interop-state");
  assert.equal(callback.searchParams.get("iss"), base);
  const code = callback.searchParams.get("code");
  assert.ok(code, `no code in ${callback}`);

  // 4. Code exchange, token use, refresh, and the refreshed token's use.
  const exchanged = await auth(provider, { serverUrl, resourceMetadataUrl, authorizationCode: code });
  assert.equal(exchanged, "AUTHORIZED");
  const first = provider.savedTokens;
  assert.ok(first.refresh_token, "offline_access gives a refresh token");
  const principal = await callMcp(first.access_token);
  assert.equal(principal.aud, serverUrl);
  assert.equal(principal.client_id, provider.client.client_id);

  assert.equal(await auth(provider, { serverUrl, resourceMetadataUrl }), "AUTHORIZED");
  assert.equal(provider.authorizationUrls.length, 1, "the refresh needs no new authorization");
  const second = provider.savedTokens;
  assert.notEqual(second.access_token, first.access_token);
  assert.notEqual(second.refresh_token, first.refresh_token, "refresh tokens rotate");
  assert.equal((await callMcp(second.access_token)).aud, serverUrl);

  console.log("MCP SDK interop passed: discovery, registration, PKCE code flow, /mcp, refresh");
}

main().catch((error) => {
  console.error("MCP SDK interop failed:", error);
  process.exit(1);
});
