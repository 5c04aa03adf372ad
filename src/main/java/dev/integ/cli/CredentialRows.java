package dev.integ.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.integ.core.Printable;
import dev.integ.vault.Credential;

import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/** How a credential's metadata is shown: one table row, or one JSON object. Never a secret: there is none here. */
final class CredentialRows {
    private static final int[] WIDTHS = {12, 28, 13, 21, 21};
    /** REFRESH: "no" (no refresh token), "yes" (no known end), or when the refresh token ends. */
    static final String HEADER = row("PROVIDER", "USER", "STATUS", "EXPIRES", "REFRESH", "SCOPES");

    private CredentialRows() {
    }

    static String row(Credential c, Instant now) {
        return row(c.provider(), c.user(), c.effectiveStatus(now), c.expiresAt() == null ? "never" : seconds(c.expiresAt()),
                !c.hasRefreshToken() ? "no" : c.refreshExpiresAt() == null ? "yes" : seconds(c.refreshExpiresAt()), String.join(" ", c.scopes()));
    }

    /**
     * Left-aligned columns, never cut: a long value pushes the rest of its row right. (String.format is slow on 100k rows.)
     * Every cell is escaped: a stored name holding a line break or an escape sequence cannot forge a row or drive the terminal.
     */
    private static String row(String... cells) {
        StringBuilder line = new StringBuilder(128);
        for (int i = 0; i < cells.length; i++) {
            String cell = Printable.escape(cells[i]);
            line.append(cell);
            if (i < WIDTHS.length) {
                line.append(" ".repeat(Math.max(1, WIDTHS[i] + 1 - cell.length())));
            }
        }
        return line.toString();
    }

    /** One credential as a compact JSON object, written field by field (no map per row). */
    static void writeJson(JsonGenerator g, Credential c, Instant now) throws IOException {
        g.writeStartObject();
        g.writeStringField("provider", c.provider());
        g.writeStringField("user", c.user());
        g.writeStringField("status", c.effectiveStatus(now));
        g.writeArrayFieldStart("scopes");
        for (String scope : c.scopes()) {
            g.writeString(scope);
        }
        g.writeEndArray();
        writeTime(g, "expires_at", c.expiresAt());
        g.writeBooleanField("refresh_token", c.hasRefreshToken());
        writeTime(g, "refresh_expires_at", c.refreshExpiresAt());
        writeTime(g, "created_at", c.createdAt());
        writeTime(g, "updated_at", c.updatedAt());
        g.writeObjectFieldStart("account");
        for (Map.Entry<String, String> e : c.account().entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void writeTime(JsonGenerator g, String name, Instant t) throws IOException {
        if (t == null) {
            g.writeNullField(name);
        } else {
            g.writeStringField(name, iso(t));
        }
    }

    // Formatting an Instant costs more than writing the rest of a row, and bulk imports and refreshes
    // give many records the same times: remember a few. Each slot holds one immutable pair, so threads
    // racing on a slot can only miss, never read a time with another's text.
    private record Formatted(Instant time, String text) {
    }

    private static final Formatted[] RECENT = new Formatted[8];

    private static String iso(Instant t) {
        int slot = (int) (t.toEpochMilli() & 7);
        Formatted known = RECENT[slot];
        if (known != null && known.time().equals(t)) {
            return known.text();
        }
        Formatted fresh = new Formatted(t, t.toString());
        RECENT[slot] = fresh;
        return fresh.text();
    }

    static String seconds(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static Map<String, Object> json(Credential c, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("provider", c.provider());
        m.put("user", c.user());
        m.put("status", c.effectiveStatus(now));
        m.put("scopes", c.scopes());
        m.put("expires_at", c.expiresAt());
        m.put("refresh_token", c.hasRefreshToken());
        m.put("refresh_expires_at", c.refreshExpiresAt());
        m.put("created_at", c.createdAt());
        m.put("updated_at", c.updatedAt());
        m.put("account", c.account());
        return m;
    }
}
