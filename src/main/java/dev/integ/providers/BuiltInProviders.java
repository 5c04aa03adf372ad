package dev.integ.providers;

import dev.integ.providers.ProviderSpec.ClientSettings;
import dev.integ.providers.ProviderSpec.Endpoints;
import dev.integ.providers.ProviderSpec.Redirect;
import dev.integ.providers.ProviderSpec.ResponseFormat;
import dev.integ.providers.ProviderSpec.Revocation;
import dev.integ.providers.ProviderSpec.TokenEncoding;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The providers integ ships with, as plain data. Every value has its source in
 * shared/design/PROVIDERS.md; the config file may override any of them (a fixed redirect port that
 * matches the app's registration, narrower scopes, a test server's endpoints).
 */
final class BuiltInProviders {
    private BuiltInProviders() {
    }

    /**
     * Slack OAuth v2 from a desktop (PKCE) app: loopback redirects are allowed only for PKCE apps,
     * and those may not ask for bot scopes, so integ asks for user scopes and gets a user token.
     * Slack matches the redirect URI exactly, port included, and answers errors with HTTP 200.
     */
    static final ProviderSpec SLACK = ProviderSpec.builder("slack")
            .title("Slack")
            .builtIn(true)
            .endpoints(Endpoints.builder()
                    .authorization("https://slack.com/oauth/v2/authorize")
                    .token("https://slack.com/api/oauth.v2.access")
                    .revocation("https://slack.com/api/auth.revoke")
                    .build())
            .client(new ClientSettings(null, "SLACK_CLIENT_SECRET", null, ClientAuth.CLIENT_SECRET_BASIC))
            .scopes(List.of("chat:write", "channels:read"))
            .scopeParameter("user_scope")
            .scopeSeparator(",")
            .pkce(true)
            .tokenEncoding(TokenEncoding.FORM)
            .responseFormat(ResponseFormat.SLACK)
            .revocation(new Revocation("bearer", "access"))
            .redirect(new Redirect("localhost", 53682, "/cb/slack"))
            .revokeAdvice("the user removes integ from the apps they authorized in Slack, or a workspace admin removes the app"
                    + " (Settings & administration > Manage apps)")
            // with PKCE (desktop apps) every refresh token expires after 30 days; with token rotation each refresh
            // issues a new one [S-PKCE][S-ROT]; whether the grant itself has an end: not documented
            .refreshTokens(new RefreshTokenPolicy(Duration.ofDays(30), null, null, true, null))
            .apiBaseUrl("https://slack.com/api/")
            .verifyUrl("auth.test")
            .build();

    /** Google (Drive), desktop-app client: any loopback port, S256, offline access for a refresh token. */
    static final ProviderSpec GOOGLE = ProviderSpec.builder("google")
            .title("Google Drive")
            .aliases(Set.of("google_drive"))
            .builtIn(true)
            .issuer("https://accounts.google.com")
            .endpoints(Endpoints.builder()
                    .authorization("https://accounts.google.com/o/oauth2/v2/auth")
                    .token("https://oauth2.googleapis.com/token")
                    .revocation("https://oauth2.googleapis.com/revoke")
                    .userinfo("https://openidconnect.googleapis.com/v1/userinfo")
                    // RFC 8628, for "TVs and Limited Input devices" clients (a client id of that type)
                    .deviceAuthorization("https://oauth2.googleapis.com/device/code")
                    .build())
            .client(new ClientSettings(null, "GOOGLE_CLIENT_SECRET", null, ClientAuth.CLIENT_SECRET_POST))
            .scopes(List.of("openid", "email", "https://www.googleapis.com/auth/drive.file"))
            .scopeParameter("scope")
            .scopeSeparator(" ")
            .pkce(true)
            // consent every time, so that a re-connect always yields a new refresh token
            .authorizeParameters(Map.of("access_type", "offline", "prompt", "consent"))
            .tokenEncoding(TokenEncoding.FORM)
            .responseFormat(ResponseFormat.OAUTH)
            .revocation(new Revocation("none", "refresh"))
            .redirect(new Redirect("127.0.0.1", 0, "/cb/google"))
            .revokeAdvice("the account owner removes integ's access in their Google Account (Security > third-party apps and services),"
                    + " or a Workspace admin removes it in the Admin console (Security > API controls)")
            // no fixed lifetime, but dead after 6 months unused [QIITA-G][G-NATIVE]; refreshes issue no new refresh token;
            // 7 days for apps in "Testing" [G-ADS] (publishing-status: testing); time-based access says refresh_token_expires_in
            .refreshTokens(new RefreshTokenPolicy(null, Duration.ofDays(180), null, false, Duration.ofDays(7)))
            // Google's device flow allows only these among the scopes integ may ask for (of Drive: drive.file, drive.appdata)
            .deviceScopes(Set.of("openid", "email", "profile", "https://www.googleapis.com/auth/userinfo.email",
                    "https://www.googleapis.com/auth/userinfo.profile", "https://www.googleapis.com/auth/drive.file",
                    "https://www.googleapis.com/auth/drive.appdata"))
            // Drive is drive/v3/... under it; about needs fields
            .apiBaseUrl("https://www.googleapis.com/")
            .verifyUrl("drive/v3/about?fields=user(displayName,emailAddress)")
            .build();

    /**
     * Jira Cloud through Atlassian OAuth 2.0 (3LO): a JSON token endpoint, a required client secret,
     * no PKCE, rotating refresh tokens, an exact-match callback URL, and no revocation endpoint.
     */
    static final ProviderSpec JIRA = ProviderSpec.builder("jira")
            .title("Jira (Atlassian)")
            .aliases(Set.of("atlassian"))
            .builtIn(true)
            .endpoints(Endpoints.builder()
                    .authorization("https://auth.atlassian.com/authorize")
                    .token("https://auth.atlassian.com/oauth/token")
                    .resources("https://api.atlassian.com/oauth/token/accessible-resources")
                    .build())
            .client(new ClientSettings(null, "JIRA_CLIENT_SECRET", null, ClientAuth.CLIENT_SECRET_POST))
            .scopes(List.of("read:jira-work", "write:jira-work", "read:jira-user", "offline_access"))
            .scopeParameter("scope")
            .scopeSeparator(" ")
            .pkce(false)
            .authorizeParameters(Map.of("audience", "api.atlassian.com", "prompt", "consent"))
            .tokenEncoding(TokenEncoding.JSON)
            .responseFormat(ResponseFormat.OAUTH)
            .revocation(Revocation.RFC7009)
            .redirect(new Redirect("127.0.0.1", 53683, "/cb/jira"))
            .revokeAdvice("Atlassian has no endpoint to revoke a 3LO grant: the account owner must remove the app's access"
                    + " in their Atlassian account settings (connected apps)")
            // rotating refresh tokens: 90 days without use ends them, each refresh issues a new one and resets that;
            // the token family ends 365 days after the sign-in whatever happens [A-REFRESH][A-COMM]
            .refreshTokens(new RefreshTokenPolicy(null, Duration.ofDays(90), Duration.ofDays(365), true, null))
            // Jira Cloud REST is ex/jira/{cloudId}/rest/api/3/... under it; the site comes from accessible-resources
            .apiBaseUrl("https://api.atlassian.com/")
            .verifyUrl("ex/jira/{cloudId}/rest/api/3/myself")
            .build();

    static final List<ProviderSpec> ALL = List.of(SLACK, GOOGLE, JIRA);
}
