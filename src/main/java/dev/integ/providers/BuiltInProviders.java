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
    static final ProviderSpec SLACK = new ProviderSpec("slack", "Slack", Set.of(), true, null,
            new Endpoints("https://slack.com/oauth/v2/authorize", "https://slack.com/api/oauth.v2.access",
                    "https://slack.com/api/auth.revoke", null, null),
            new ClientSettings(null, "SLACK_CLIENT_SECRET", null, ClientAuth.CLIENT_SECRET_BASIC),
            List.of("chat:write", "channels:read"), "user_scope", ",", true, Map.of(),
            TokenEncoding.FORM, ResponseFormat.SLACK, new Revocation("bearer", "access"),
            // refresh tokens of PKCE (desktop) apps expire after 30 days
            new Redirect("localhost", 53682, "/cb/slack"),
            "the user removes integ from the apps they authorized in Slack, or a workspace admin removes the app"
                    + " (Settings & administration > Manage apps)",
            Duration.ofDays(30));

    /** Google (Drive), desktop-app client: any loopback port, S256, offline access for a refresh token. */
    static final ProviderSpec GOOGLE = new ProviderSpec("google", "Google Drive", Set.of("google_drive"), true,
            "https://accounts.google.com",
            new Endpoints("https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token",
                    "https://oauth2.googleapis.com/revoke", "https://openidconnect.googleapis.com/v1/userinfo", null),
            new ClientSettings(null, "GOOGLE_CLIENT_SECRET", null, ClientAuth.CLIENT_SECRET_POST),
            List.of("openid", "email", "https://www.googleapis.com/auth/drive.file"), "scope", " ", true,
            // consent every time, so that a re-connect always yields a new refresh token
            Map.of("access_type", "offline", "prompt", "consent"),
            TokenEncoding.FORM, ResponseFormat.OAUTH, new Revocation("none", "refresh"),
            // unknown in general (7 days for apps in testing; responses say so in refresh_token_expires_in)
            new Redirect("127.0.0.1", 0, "/cb/google"),
            "the account owner removes integ's access in their Google Account (Security > third-party apps and services),"
                    + " or a Workspace admin removes it in the Admin console (Security > API controls)",
            null);

    /**
     * Jira Cloud through Atlassian OAuth 2.0 (3LO): a JSON token endpoint, a required client secret,
     * no PKCE, rotating refresh tokens, an exact-match callback URL, and no revocation endpoint.
     */
    static final ProviderSpec JIRA = new ProviderSpec("jira", "Jira (Atlassian)", Set.of("atlassian"), true, null,
            new Endpoints("https://auth.atlassian.com/authorize", "https://auth.atlassian.com/oauth/token", null, null,
                    "https://api.atlassian.com/oauth/token/accessible-resources"),
            new ClientSettings(null, "JIRA_CLIENT_SECRET", null, ClientAuth.CLIENT_SECRET_POST),
            List.of("read:jira-work", "write:jira-work", "read:jira-user", "offline_access"), "scope", " ", false,
            Map.of("audience", "api.atlassian.com", "prompt", "consent"),
            TokenEncoding.JSON, ResponseFormat.OAUTH, Revocation.RFC7009,
            new Redirect("127.0.0.1", 53683, "/cb/jira"),
            "Atlassian has no endpoint to revoke a 3LO grant: the account owner must remove the app's access"
                    + " in their Atlassian account settings (connected apps)",
            // rotating refresh tokens expire after 90 days without use; each refresh issues a new one
            Duration.ofDays(90));

    static final List<ProviderSpec> ALL = List.of(SLACK, GOOGLE, JIRA);
}
