package dev.integ.oauth;

import dev.integ.core.IntegException;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;

/**
 * The manual flow's answer: the user signs in on another machine's browser, which then fails to load
 * integ's loopback address, and pastes that address from the address bar. Its query is the answer.
 */
public final class PastedRedirect {
    /** The longest address read from a paste: a redirect with its code, state and scopes is well under 2 KiB. */
    public static final int MAX_CHARS = 16_384;

    private PastedRedirect() {
    }

    /**
     * The query parameters of the pasted redirect URL, for {@link CallbackCheck#check}. The pasted
     * text holds the authorization code, so no message here ever repeats it.
     */
    public static Map<String, String> parse(String pasted, URI expectedRedirect) {
        String text = pasted == null ? "" : pasted.trim();
        if (text.isEmpty()) {
            throw IntegException.usage("nothing was pasted", null,
                    "copy the whole address from the browser's address bar after signing in");
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw notOurRedirect(expectedRedirect);
        }
        if (!sameEndpoint(uri, expectedRedirect)) {
            throw notOurRedirect(expectedRedirect);
        }
        return CallbackCheck.parseQuery(uri.getRawQuery());
    }

    private static boolean sameEndpoint(URI uri, URI expected) {
        return uri.isAbsolute()
                && uri.getRawAuthority() != null
                && lower(uri.getScheme()).equals(lower(expected.getScheme()))
                && lower(uri.getHost()).equals(lower(expected.getHost()))
                && port(uri) == port(expected)
                && expected.getRawPath().equals(uri.getRawPath())
                && uri.getRawUserInfo() == null;
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    private static IntegException notOurRedirect(URI expectedRedirect) {
        return IntegException.usage("the pasted URL is not integ's redirect address",
                "expected it to start with " + expectedRedirect,
                "copy the whole address from the browser's address bar after signing in");
    }
}
