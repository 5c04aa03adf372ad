package dev.integ.oauth;

import dev.integ.core.Durations;
import dev.integ.core.IntegException;

import java.time.Duration;

/**
 * Waits for the admin to approve a device sign-in (RFC 8628 §3.4-3.5): polls the token endpoint every
 * {@code interval}, five seconds slower after each {@code slow_down}, until tokens come, the admin
 * refuses, the code expires or the timeout passes, whichever is first.
 */
final class DevicePolling {
    /** RFC 8628 §3.5: what slow_down adds to the interval, for this and every later poll. */
    static final Duration SLOW_DOWN = Duration.ofSeconds(5);

    private final PollClock clock;

    DevicePolling(PollClock clock) {
        this.clock = clock;
    }

    IssuedTokens await(ProviderClient client, String user, DeviceAuthorization device, Duration timeout) {
        String provider = client.spec().name();
        boolean expiresFirst = device.expiresIn().compareTo(timeout) <= 0;
        long deadline = clock.nanoTime() + (expiresFirst ? device.expiresIn() : timeout).toNanos();
        Duration interval = device.interval();
        while (true) {
            long left = deadline - clock.nanoTime();
            if (left <= 0) {
                throw expiresFirst ? expired(client) : timedOut(client, timeout);
            }
            pause(interval.toNanos() < left ? interval : Duration.ofNanos(left));
            if (deadline - clock.nanoTime() <= 0) {
                throw expiresFirst ? expired(client) : timedOut(client, timeout);
            }
            TokenOutcome polled = client.pollDeviceToken(user, device.deviceCode());
            if (polled instanceof IssuedTokens issued) {
                return issued;
            }
            TokenRefusal refusal = (TokenRefusal) polled;
            switch (refusal.error()) {
                case "authorization_pending" -> { }
                case "slow_down" -> interval = interval.plus(SLOW_DOWN);
                case "access_denied" -> throw IntegException.humanAction("the sign-in to " + client.spec().title() + " was not approved",
                        refusal.explain(), "run the command again and approve the access integ asks for");
                case "expired_token" -> throw expired(client);
                default -> throw IntegException.failure(provider + " refused the device sign-in", refusal.explain(),
                        "run the command again; or use --manual", null);
            }
        }
    }

    private void pause(Duration duration) {
        try {
            clock.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw IntegException.retryLater("interrupted while waiting for the sign-in to be approved", null, "run the command again", e);
        }
    }

    private static IntegException expired(ProviderClient client) {
        return IntegException.humanAction("the code for " + client.spec().title() + " expired before the sign-in was approved", null,
                "run the command again and enter the new code soon");
    }

    private static IntegException timedOut(ProviderClient client, Duration timeout) {
        return IntegException.humanAction("the sign-in to " + client.spec().title() + " was not approved within "
                + Durations.format(timeout), null, "run the command again (a longer --timeout gives more time)");
    }
}
