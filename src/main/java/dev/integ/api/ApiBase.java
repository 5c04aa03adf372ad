package dev.integ.api;

import dev.integ.core.IntegException;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A provider's API base URL ({@code api-base-url}) and the one rule for where its token may go: a
 * relative path resolves under the base, and an absolute URL must have the base's scheme, host and
 * port and lie under its path. Anything else is refused before a token is read.
 */
public final class ApiBase {
    private final URI base;

    private ApiBase(URI base) {
        this.base = base;
    }

    /** @param url an https URL (http only to this machine), ending in "/" or not */
    public static ApiBase of(String url) {
        String withSlash = url.endsWith("/") ? url : url + "/";
        return new ApiBase(URI.create(withSlash).normalize());
    }

    public URI uri() {
        return base;
    }

    public String host() {
        return base.getHost();
    }

    /**
     * @param provider    for messages
     * @param pathOrUrl   "chat.postMessage", "/drive/v3/files?pageSize=10" or a full URL
     * @return the URL to call, under this base
     */
    public URI resolve(String provider, String pathOrUrl) {
        URI target;
        try {
            if (isAbsolute(pathOrUrl)) {
                target = new URI(pathOrUrl).normalize();
            } else {
                // leading slashes are the base's, never a host ("//evil.example/x" is a path here)
                String relative = pathOrUrl.replaceFirst("^/+", "");
                target = base.resolve(new URI(relative)).normalize();
            }
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw IntegException.usage("invalid path or URL '" + pathOrUrl + "'",
                    "percent-encode it (spaces as %20), or give parameters with -f key=value", null);
        }
        if (!isUnderBase(target)) {
            throw IntegException.usage("refusing to send the " + provider + " token to " + origin(target) + pathOf(target),
                    "only URLs under " + provider + "'s api-base-url " + base + " get its token",
                    "give a path relative to it, or set providers." + provider + ".api-base-url");
        }
        return target;
    }

    private boolean isUnderBase(URI target) {
        return base.getScheme().equalsIgnoreCase(String.valueOf(target.getScheme()))
                && base.getHost() != null && base.getHost().equalsIgnoreCase(String.valueOf(target.getHost()))
                && port(base) == port(target)
                && target.getRawUserInfo() == null
                && target.getRawPath() != null && target.getRawPath().startsWith(base.getRawPath())
                && !target.getRawPath().contains("/../");
    }

    private static boolean isAbsolute(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        return lower.matches("^[a-z][a-z0-9+.-]*:.*");
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "http".equalsIgnoreCase(uri.getScheme()) ? 80 : 443;
    }

    private static String origin(URI uri) {
        return uri.getScheme() + "://" + (uri.getHost() == null ? "" : uri.getHost()) + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
    }

    private static String pathOf(URI uri) {
        return uri.getRawPath() == null ? "" : uri.getRawPath();
    }

    @Override
    public String toString() {
        return base.toString();
    }
}
