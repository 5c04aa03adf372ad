package dev.integ.oauth;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;

/**
 * The pages the loopback receiver shows in the browser. The refusals reflect nothing from the request;
 * a {@link SignInPage} carries what the flow found (provider, account, a short failure reason), always
 * escaped. Every page is self-contained: one inline style allowed by its hash, nothing fetched, never
 * framed, never cached.
 */
final class ReceiverPages {
    private static final String STYLE = "body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;"
            + "background:#f3f4f6;color:#1f2328;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}"
            + "main{box-sizing:border-box;width:min(34em,92vw);padding:1.6em 2em;background:#fff;border-radius:10px;"
            + "border-top:6px solid #6e7781;box-shadow:0 1px 3px rgba(0,0,0,.12),0 8px 24px rgba(0,0,0,.06)}"
            + ".done{border-top-color:#1a7f37}.failed{border-top-color:#cf222e}.waiting{border-top-color:#bf8700}"
            + ".tag{margin:0 0 .6em;font-size:.75em;font-weight:600;letter-spacing:.08em;text-transform:uppercase;color:#6e7781}"
            + "h1{margin:0 0 .6em;font-size:1.2em;font-weight:600;line-height:1.45;overflow-wrap:anywhere}"
            + "p{margin:0;color:#57606a}";
    /** CSP level 2: only this exact style runs, so even an injected style element would be ignored. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src '" + sha256(STYLE) + "'; frame-ancestors 'none'";
    /** Rendered once: a flood is answered with these bytes and nothing computed per request. */
    private static final byte[] TOO_MANY = html("Too many requests", "failed", "Too many requests.",
            "This receiver has refused too many requests that do not belong to the running integ connect.")
            .getBytes(StandardCharsets.UTF_8);

    private ReceiverPages() {
    }

    static void result(Response response, Callback callback, SignInPage page) {
        String tone = page.tone().name().toLowerCase(Locale.ROOT);
        String title = switch (page.tone()) {
            case DONE -> "Signed in";
            case FAILED -> "Sign-in failed";
            case WAITING -> "Still working";
        };
        send(response, callback, page.status(), title, tone, page.headline(), page.next());
    }

    static void notThisSignIn(Response response, Callback callback) {
        send(response, callback, 400, "Not this sign-in", "failed", "This sign-in link doesn't belong to the running integ connect.",
                "Start again from the link integ printed.");
    }

    static void alreadyFinished(Response response, Callback callback) {
        send(response, callback, 409, "Sign-in already finished", "neutral", "This sign-in has already finished.",
                "The terminal running integ connect has the result. You can close this tab.");
    }

    static void notFound(Response response, Callback callback) {
        send(response, callback, 404, "Not found", "neutral", "There is nothing here.", "You can close this tab.");
    }

    static void wrongHost(Response response, Callback callback) {
        send(response, callback, 400, "Bad request", "failed", "This address is not the one integ is listening on.",
                "Use the link integ printed.");
    }

    /** What a flood gets once the receiver sheds it (see {@link CallbackHandler#SHED_AFTER}). */
    static void tooMany(Response response, Callback callback) {
        response.setStatus(429);
        headers(response);
        response.write(true, ByteBuffer.wrap(TOO_MANY), callback);
    }

    /** Jetty's own rejections (malformed requests): a bare page instead of its default, which echoes request details. */
    static void error(Response response, Callback callback, int status) {
        send(response, callback, status, "Bad request", "failed", "integ could not use this request.", "Use the link integ printed.");
    }

    private static void send(Response response, Callback callback, int status, String title, String tone, String headline, String next) {
        response.setStatus(status);
        headers(response);
        Content.Sink.write(response, true, html(title, tone, headline, next), callback);
    }

    private static void headers(Response response) {
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        // the page sits at a URL that held the authorization code: nothing may cache it or pass it on as a referrer
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        headers.put(new HttpField("Referrer-Policy", "no-referrer"));
        headers.put(new HttpField("Content-Security-Policy", CONTENT_SECURITY_POLICY));
        // frame-ancestors for current browsers, X-Frame-Options for those that predate it: no page may frame the result
        headers.put(new HttpField("X-Frame-Options", "DENY"));
        headers.put(new HttpField("X-Content-Type-Options", "nosniff"));
        // no kept-alive browser connections: close() can stop the server at once
        headers.put(HttpHeader.CONNECTION, "close");
    }

    static String html(String title, String tone, String headline, String next) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>" + escape(title) + " · integ</title>"
                + "<style>" + STYLE + "</style></head><body><main class=\"" + tone + "\"><p class=\"tag\">integ connect</p>"
                + "<h1>" + escape(headline) + "</h1><p>" + escape(next) + "</p></main></body></html>\n";
    }

    /** Element text and double-quoted attribute values (the only kind the pages use) are safe with these four replaced. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
