package dev.integ.providers;

import dev.integ.core.Durations;
import dev.integ.core.Printable;
import dev.integ.store.AclRoles;
import dev.integ.vault.Credential;
import redis.clients.jedis.exceptions.JedisDataException;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Which credentials stop working soon because their refresh token dies (a recorded lifetime, an
 * inactivity limit, the end of the grant), and whether a refresh now would keep each one alive, from
 * each provider's {@link RefreshTokenPolicy}. `list` shows the dates, `doctor` and `events check`
 * warn about the ones within {@link #WARN_WITHIN}, `refresh --all --keep-alive` acts on them.
 */
public final class RefreshTokenForesight {
    /** How far ahead doctor and `events check` look. */
    public static final Duration WARN_WITHIN = Duration.ofDays(7);

    /**
     * @param ends       when its refresh token stops working
     * @param keepsAlive a refresh now moves that later (an inactivity limit, or a rotating token's lifetime); otherwise only a
     *                   new sign-in does
     */
    public record Dying(Credential credential, Instant ends, boolean keepsAlive) {
        /** Escaped for a terminal: a name stored by an older integ may hold control characters. */
        public String name() {
            return Printable.escape(credential.provider() + "/" + credential.user());
        }

        /** What to do, in one phrase. */
        public String advice() {
            return keepsAlive ? "a refresh keeps it alive ('integ refresh --all --keep-alive')"
                    : "reconnect by " + ends.truncatedTo(ChronoUnit.SECONDS) + " ('integ connect " + Printable.escape(credential.provider() + " --user " + credential.user()) + "')";
        }

        public String describe(Instant now) {
            return name() + ": its refresh token " + (ends.isAfter(now) ? "ends in " + Durations.format(Duration.between(now, ends)
                    .truncatedTo(ChronoUnit.MINUTES)) + " (" + ends.truncatedTo(ChronoUnit.SECONDS) + ")" : "ended at " + ends.truncatedTo(ChronoUnit.SECONDS))
                    + "; " + advice();
        }
    }

    private final Function<String, RefreshTokenPolicy> policies;

    /** @param policies each provider's refresh-token policy by name (UNKNOWN for one no longer configured) */
    public RefreshTokenForesight(Function<String, RefreshTokenPolicy> policies) {
        this.policies = policies;
    }

    public static RefreshTokenForesight of(ProviderCatalog catalog) {
        return new RefreshTokenForesight(name -> {
            try {
                return catalog.resolve(name).refreshTokens();
            } catch (RuntimeException noLongerConfigured) {
                return RefreshTokenPolicy.UNKNOWN;
            }
        });
    }

    /** The credential, if its refresh token ends within {@code within} (or has ended) while it is otherwise usable. */
    public Optional<Dying> assess(Credential c, Instant now, Duration within) {
        Instant ends = c.refreshExpiresAt();
        if (!c.hasRefreshToken() || ends == null || ends.isAfter(now.plus(within)) || Credential.NEEDS_REAUTH.equals(c.status())) {
            return Optional.empty();
        }
        Instant refreshed = policies.apply(c.provider()).ifRefreshedNow(c.createdAt(), c.updatedAt(), ends, now);
        boolean keepsAlive = ends.isAfter(now) && (refreshed == null || refreshed.isAfter(ends));
        return Optional.of(new Dying(c, ends, keepsAlive));
    }

    /** Every credential {@code credentials} delivers whose refresh token ends within {@code within}, soonest first. */
    public List<Dying> scan(Consumer<Consumer<Credential>> credentials, Instant now, Duration within) {
        List<Dying> dying = new ArrayList<>();
        credentials.accept(c -> assess(c, now, within).ifPresent(dying::add));
        dying.sort((a, b) -> a.ends().compareTo(b.ends()));
        return dying;
    }

    /**
     * As {@link #scan}, or empty when this Redis user may not read credentials (a responder's, running
     * `events check`): then the look ahead is skipped, not the whole command failed.
     */
    public Optional<List<Dying>> scanIfPermitted(Consumer<Consumer<Credential>> credentials, Instant now, Duration within) {
        try {
            return Optional.of(scan(credentials, now, within));
        } catch (JedisDataException e) {
            if (AclRoles.isDenial(e.getMessage())) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
