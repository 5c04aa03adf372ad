package dev.integ.testing.fakes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The book a fake keeps of every refresh token it issued and every time one was presented, so a test
 * can ask, without ever handling a token value: which grant a token belongs to, whether it is that
 * grant's newest, how often it was redeemed and by whom. Tokens and grants are numbered in the order
 * they were issued; the numbers are what a test prints.
 * <p>
 * "By whom" is the {@code caller} query parameter of the URL the request was sent to: a test that gives
 * each process its own token endpoint URL learns which process redeemed what. Thread-safe.
 */
public final class RefreshLedger {
    /**
     * What the fake knows about one refresh token.
     *
     * @param serial        the token's number (1 is the first refresh token this fake issued)
     * @param grant         the number of its grant (one consent, or one seeded credential)
     * @param newestSerial  the number of the newest refresh token of that grant
     * @param redemptions   how many times it was presented to the token endpoint (accepted or not)
     * @param issuedTo      the caller whose request issued it; null for seeded tokens and untagged requests
     * @param grantCreator  the caller whose code exchange created the grant; null for seeded grants
     * @param grantRevoked  the grant is dead (revoked, or killed by reuse detection)
     */
    public record TokenFacts(int serial, int grant, int newestSerial, int redemptions, String issuedTo, String grantCreator,
                             boolean grantRevoked) {
        public boolean newestOfGrant() {
            return serial == newestSerial;
        }
    }

    /**
     * One presentation of a refresh token.
     *
     * @param sequence  the order among all presentations to this fake
     * @param attempt   1 for the token's first presentation, 2 for its second...
     * @param successor the number of the refresh token issued in exchange (0: none, refused or not rotated)
     */
    public record Redemption(long sequence, int token, int grant, int attempt, String caller, boolean accepted, int successor) {
    }

    private static final class GrantEntry {
        final int serial;
        final String creator;
        int newestToken;

        GrantEntry(int serial, String creator) {
            this.serial = serial;
            this.creator = creator;
        }
    }

    private static final class TokenEntry {
        final int serial;
        final GrantEntry grant;
        final String issuedTo;
        int redemptions;

        TokenEntry(int serial, GrantEntry grant, String issuedTo) {
            this.serial = serial;
            this.grant = grant;
            this.issuedTo = issuedTo;
        }
    }

    private final Map<FakeProvider.Grant, GrantEntry> grants = new IdentityHashMap<>();
    private final Map<String, TokenEntry> tokens = new HashMap<>();
    private final Map<String, FakeProvider.Grant> grantOfToken = new HashMap<>();
    private final List<Redemption> redemptions = new ArrayList<>();
    private int tokenSerials;

    synchronized void grantCreated(FakeProvider.Grant grant, String caller) {
        grants.computeIfAbsent(grant, g -> new GrantEntry(grants.size() + 1, caller));
    }

    synchronized int issued(FakeProvider.Grant grant, String token, String caller) {
        grantCreated(grant, caller);
        GrantEntry g = grants.get(grant);
        TokenEntry t = new TokenEntry(++tokenSerials, g, caller);
        g.newestToken = t.serial;
        tokens.put(token, t);
        grantOfToken.put(token, grant);
        return t.serial;
    }

    /** Records a presentation of a known token; returns its index in {@link #redemptions()}. */
    synchronized int presented(String token, String caller, boolean accepted) {
        TokenEntry t = tokens.get(token);
        if (t == null) {
            return -1;
        }
        t.redemptions++;
        redemptions.add(new Redemption(redemptions.size() + 1, t.serial, t.grant.serial, t.redemptions, caller, accepted, 0));
        return redemptions.size() - 1;
    }

    /** Notes which token a redemption was exchanged for. */
    synchronized void exchangedFor(int index, String successor) {
        TokenEntry s = tokens.get(successor);
        if (index >= 0 && s != null) {
            Redemption r = redemptions.get(index);
            redemptions.set(index, new Redemption(r.sequence(), r.token(), r.grant(), r.attempt(), r.caller(), r.accepted(), s.serial));
        }
    }

    synchronized Optional<TokenFacts> facts(String token) {
        TokenEntry t = tokens.get(token);
        if (t == null) {
            return Optional.empty();
        }
        return Optional.of(new TokenFacts(t.serial, t.grant.serial, t.grant.newestToken, t.redemptions, t.issuedTo, t.grant.creator,
                grantOfToken.get(token).revoked));
    }

    /** Every presentation of a refresh token, in order. */
    public synchronized List<Redemption> redemptions() {
        return List.copyOf(redemptions);
    }

    /** The presentations of tokens that had been presented before: each one is a double redemption. */
    public synchronized List<Redemption> doubleRedemptions() {
        return redemptions.stream().filter(r -> r.attempt() > 1).toList();
    }

    /** Numbers of the grants that are dead at the fake. */
    synchronized List<Integer> revokedGrants() {
        return grants.entrySet().stream().filter(e -> e.getKey().revoked).map(e -> e.getValue().serial).sorted().toList();
    }
}
