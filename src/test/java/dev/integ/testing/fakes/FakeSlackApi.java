package dev.integ.testing.fakes;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Slack's Web API methods integ calls with a user token (PROVIDERS.md §1.7-1.9): {@code chat.postMessage}
 * (JSON or form body; errors as HTTP 200 ok:false; text over 40,000 characters truncated with a
 * warning, as Slack does) and {@code conversations.list} (paged by {@code response_metadata.next_cursor}).
 */
public final class FakeSlackApi extends FakeApi {
    /** Slack truncates longer text (and says so in a warning). */
    public static final int TRUNCATE_AT = 40_000;

    /** A message as Slack stored it. */
    public record Posted(String channel, String text, String ts) {
    }

    private final FakeSlack slack;
    private final List<Posted> posted = new CopyOnWriteArrayList<>();
    private final AtomicLong ts = new AtomicLong(1_700_000_000_000_100L);
    private volatile List<String> channels = List.of("C0GENERAL", "C0RANDOM", "C0OPS", "G0PRIVATE", "C0DEV");
    private volatile int pageSize = 2;

    FakeSlackApi(FakeSlack slack) {
        super(slack);
        this.slack = slack;
        route("/api/chat.postMessage", this::postMessage, "POST");
        route("/api/conversations.list", this::conversations, "GET", "POST");
        // Slack answers a method it does not have with HTTP 200 and ok:false, like every other error
        routePrefix("/api/", request -> FakeSlack.error("unknown_method"), "GET", "POST");
    }

    @Override
    public void clear() {
        super.clear();
        posted.clear();
    }

    public List<Posted> posted() {
        return List.copyOf(posted);
    }

    public FakeSlackApi channels(int pageSize, String... ids) {
        this.pageSize = pageSize;
        this.channels = List.of(ids);
        return this;
    }

    private FakeServer.Response postMessage(FakeServer.Request request) throws Exception {
        FakeServer.Response refused = slack.refusedBearer(request);
        if (refused != null) {
            return refused;
        }
        String channel;
        String text;
        String type = String.valueOf(request.header("Content-Type"));
        if (type.startsWith("application/json")) {
            JsonNode body = FakeServer.JSON.readTree(request.body);
            channel = body.path("channel").isTextual() ? body.path("channel").asText() : null;
            text = body.path("text").isTextual() ? body.path("text").asText() : null;
        } else {
            Map<String, String> form = request.params();
            channel = form.get("channel");
            text = form.get("text");
        }
        if (channel == null || channel.isEmpty()) {
            return FakeSlack.error("channel_not_found");
        }
        String id = channel.startsWith("#") ? channels.stream().filter(c -> c.equalsIgnoreCase("C0" + channel.substring(1))).findFirst()
                .orElse(null) : channel;
        if (id == null || !channels.contains(id)) {
            return FakeSlack.error("channel_not_found");
        }
        if (text == null || text.isEmpty()) {
            return FakeSlack.error("no_text");
        }
        List<String> warnings = new ArrayList<>();
        if (text.codePointCount(0, text.length()) > TRUNCATE_AT) {
            text = text.substring(0, text.offsetByCodePoints(0, TRUNCATE_AT));
            warnings.add("message_truncated");
        }
        long n = ts.incrementAndGet();
        String stamp = (n / 1_000_000) + "." + String.format("%06d", n % 1_000_000);
        posted.add(new Posted(id, text, stamp));
        Map<String, Object> body = FakeProvider.obj("ok", true, "channel", id, "ts", stamp,
                "message", FakeProvider.obj("type", "message", "text", text, "user", FakeSlack.USER_ID, "ts", stamp));
        if (!warnings.isEmpty()) {
            body.put("response_metadata", FakeProvider.obj("warnings", warnings));
        }
        return FakeServer.Response.json(200, body);
    }

    private FakeServer.Response conversations(FakeServer.Request request) {
        FakeServer.Response refused = slack.refusedBearer(request);
        if (refused != null) {
            return refused;
        }
        String cursor = request.params().get("cursor");
        int from = cursor == null || cursor.isEmpty() ? 0
                : Integer.parseInt(new String(Base64.getDecoder().decode(cursor), StandardCharsets.UTF_8).substring("next:".length()));
        List<String> all = channels;
        int to = Math.min(all.size(), from + pageSize);
        List<Map<String, Object>> page = new ArrayList<>();
        for (String id : all.subList(from, to)) {
            page.add(FakeProvider.obj("id", id, "name", id.substring(2).toLowerCase(java.util.Locale.ROOT), "is_channel", id.startsWith("C")));
        }
        String next = to < all.size() ? Base64.getEncoder().encodeToString(("next:" + to).getBytes(StandardCharsets.UTF_8)) : "";
        return FakeServer.Response.json(200, FakeProvider.obj("ok", true, "channels", page, "response_metadata",
                FakeProvider.obj("next_cursor", next)));
    }
}
