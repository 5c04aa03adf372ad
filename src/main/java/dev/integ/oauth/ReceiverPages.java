package dev.integ.oauth;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The few pages the loopback receiver shows in the browser. They reflect nothing from the request but
 * a provider's error code that passed a strict pattern, so they cannot carry a code or a script.
 */
final class ReceiverPages {
    private static final Pattern ERROR_CODE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    /** Rendered once: a flood is answered with these bytes and nothing computed per request. */
    private static final byte[] TOO_MANY = html("Too many requests",
            "This receiver has refused too many requests that do not belong to the running integ connect.")
            .getBytes(StandardCharsets.UTF_8);

    private ReceiverPages() {
    }

    static void connected(Response response, Callback callback) {
        send(response, callback, 200, "integ is connected", "integ is connected. You can close this tab.");
    }

    static void denied(Response response, Callback callback, String error) {
        String shown = error != null && ERROR_CODE.matcher(error).matches() ? error : "unrecognized error code";
        send(response, callback, 200, "Access was denied",
                "Access was denied (" + escape(shown) + "). Nothing was connected; you can close this tab and run integ connect again.");
    }

    static void notThisSignIn(Response response, Callback callback) {
        send(response, callback, 400, "Not this sign-in",
                "This sign-in link doesn't belong to the running integ connect. Start again from the link integ printed.");
    }

    static void alreadyFinished(Response response, Callback callback) {
        send(response, callback, 409, "Sign-in already finished",
                "This sign-in has already finished. You can close this tab.");
    }

    static void notFound(Response response, Callback callback) {
        send(response, callback, 404, "Not found", "There is nothing here. You can close this tab.");
    }

    static void wrongHost(Response response, Callback callback) {
        send(response, callback, 400, "Bad request", "This address is not the one integ is listening on.");
    }

    /** What a flood gets once the receiver sheds it (see {@link CallbackHandler#SHED_AFTER}). */
    static void tooMany(Response response, Callback callback) {
        response.setStatus(429);
        headers(response);
        response.write(true, ByteBuffer.wrap(TOO_MANY), callback);
    }

    /** Jetty's own rejections (malformed requests): a bare page instead of its default, which echoes request details. */
    static void error(Response response, Callback callback, int status) {
        send(response, callback, status, "Bad request", "integ could not use this request.");
    }

    static void send(Response response, Callback callback, int status, String title, String message) {
        response.setStatus(status);
        headers(response);
        Content.Sink.write(response, true, html(title, message), callback);
    }

    private static void headers(Response response) {
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        // the page sits at a URL that held the authorization code: nothing may cache it or pass it on as a referrer
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        headers.put(new HttpField("Referrer-Policy", "no-referrer"));
        headers.put(new HttpField("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"));
        headers.put(new HttpField("X-Content-Type-Options", "nosniff"));
        // no kept-alive browser connections: close() can stop the server at once
        headers.put(HttpHeader.CONNECTION, "close");
    }

    private static String html(String title, String message) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>"
                + "<style>body{font-family:system-ui,sans-serif;margin:4em auto;max-width:36em;line-height:1.5}</style>"
                + "</head><body><h1>" + escape(title) + "</h1><p>" + escape(message) + "</p></body></html>\n";
    }

    /** For element text only (no page puts request data into an attribute), so quotes stay as they are. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
