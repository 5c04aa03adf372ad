package dev.integ.events;

import java.util.List;

/** The fields of a stored event besides seq and mac, in the order the chain MAC covers them. */
final class EventFields {
    static final List<String> NAMES = List.of("time", "action", "result", "provider", "user_hmac", "actor", "correlation", "details");

    private EventFields() {
    }
}
