package dev.integ.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.integ.core.IntegException;
import dev.integ.http.OutboundHttp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * `slack post`: chat.postMessage with the user's token. The channel is checked and the text escaped and
 * measured before anything is sent; parts go one after another; a post whose answer was lost is
 * reported as "may have been delivered" and never sent again (a second send would be a second message).
 */
public final class SlackMessages {
    private static final String PROVIDER = "slack";
    private static final Set<String> NOT_FOUND = Set.of("channel_not_found", "not_in_channel", "user_not_found");

    /** One posted message. */
    public record Posted(String channel, String ts) {
    }

    /** @param warning set when an event could not be recorded */
    public record Result(List<Posted> posted, List<String> warnings) {
    }

    private final ProviderApi api;

    public SlackMessages(ProviderApi api) {
        this.api = api;
    }

    public Result post(String user, String channel, String text, boolean split) {
        SlackText.channel(channel);
        List<String> parts = SlackText.parts(text, split);
        ApiBase base = api.base(PROVIDER);
        List<Posted> posted = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            ObjectNode body = ApiResponse.JSON.createObjectNode().put("channel", channel).put("text", parts.get(i));
            ApiRequest request = ApiRequest.postJson(PROVIDER, user, "slack.post", base.resolve(PROVIDER, "chat.postMessage"),
                    body.toString().getBytes(StandardCharsets.UTF_8), "/chat.postMessage");
            ApiResponse response;
            try {
                response = api.call(request);
            } catch (IntegException e) {
                throw partial(e, posted, i, parts.size(), channel);
            }
            if (response.warning() != null) {
                warnings.add(response.warning());
            }
            posted.add(read(response, channel, posted, parts.size()));
        }
        return new Result(posted, warnings);
    }

    private static Posted read(ApiResponse response, String channel, List<Posted> before, int parts) {
        JsonNode json = response.json();
        if (!json.path("ok").isBoolean()) {
            throw IntegException.failure("unexpected answer from Slack chat.postMessage", "HTTP " + response.status()
                    + (response.isJson() ? ", without ok" : ", not JSON") + RawCalls.errorOf(response) + done(before, parts), null, null);
        }
        if (!json.path("ok").asBoolean()) {
            String error = json.path("error").asText("unknown");
            String what = "Slack did not post to " + channel;
            String why = Verification.printable(error) + done(before, parts);
            if (NOT_FOUND.contains(error)) {
                throw IntegException.notFound(what, why, error.equals("not_in_channel") ? "join the channel first" : "check the channel ID or #name");
            }
            throw IntegException.failure(what, why, null, null);
        }
        if (!json.path("ts").isTextual() || !json.path("channel").isTextual()) {
            throw IntegException.failure("unexpected answer from Slack chat.postMessage", "ok, but no ts or channel" + done(before, parts),
                    "the message was probably posted: check " + channel, null);
        }
        return new Posted(json.path("channel").asText(), json.path("ts").asText());
    }

    private static IntegException partial(IntegException e, List<Posted> before, int index, int parts, String channel) {
        if (e.getMessage() != null && e.getMessage().contains(OutboundHttp.MAY_HAVE_BEEN_APPLIED)) {
            return e.explained("the message " + (parts > 1 ? "part " + (index + 1) + " of " + parts + " " : "") + "to " + channel
                            + " may have been delivered", "its answer was lost, so it was not sent again" + done(before, parts),
                    "check " + channel + " before posting again");
        }
        return before.isEmpty() ? e : e.explained(e.getMessage(), "after " + done(before, parts).substring(2), e.hint());
    }

    private static String done(List<Posted> before, int parts) {
        if (before.isEmpty()) {
            return "";
        }
        return "; " + before.size() + " of " + parts + " parts posted (ts " + String.join(", ", before.stream().map(Posted::ts).toList()) + ")";
    }
}
