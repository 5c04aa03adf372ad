package dev.integ.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Plain text as an Atlassian Document (Jira v3 takes descriptions in no other form): a paragraph per
 * blank-line-separated block, a hard break per single line break inside one, text as typed (JSON
 * escaping is the serializer's). Empty blocks are dropped: ADF refuses empty text nodes.
 */
public final class Adf {
    private Adf() {
    }

    public static ObjectNode document(String text) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode doc = json.objectNode().put("type", "doc").put("version", 1);
        ArrayNode content = doc.putArray("content");
        for (String block : text.replace("\r\n", "\n").split("\n(?:[ \t]*\n)+")) {
            if (block.isBlank()) {
                continue;
            }
            String trimmed = block.replaceAll("^\n+|\n+$", "");
            ArrayNode inline = content.addObject().put("type", "paragraph").putArray("content");
            String[] lines = trimmed.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (i > 0) {
                    inline.addObject().put("type", "hardBreak");
                }
                if (!lines[i].isEmpty()) {
                    inline.addObject().put("type", "text").put("text", lines[i]);
                }
            }
        }
        return doc;
    }
}
