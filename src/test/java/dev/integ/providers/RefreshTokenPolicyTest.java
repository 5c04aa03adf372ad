package dev.integ.providers;

import dev.integ.providers.RefreshTokenForesight;
import dev.integ.vault.Credential;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** When refresh tokens die, per provider, and what a refresh changes: instants in, instants out (no clock, no sleeping). */
class RefreshTokenPolicyTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    private static final RefreshTokenPolicy SLACK = BuiltInProviders.SLACK.refreshTokens();
    private static final RefreshTokenPolicy GOOGLE = BuiltInProviders.GOOGLE.refreshTokens();
    private static final RefreshTokenPolicy JIRA = BuiltInProviders.JIRA.refreshTokens();
    private static final RefreshTokenForesight FORESIGHT = new RefreshTokenForesight(name -> switch (name) {
        case "slack" -> SLACK;
        case "google" -> GOOGLE;
        case "google-testing" -> GOOGLE.inTesting();
        case "jira" -> JIRA;
        default -> RefreshTokenPolicy.UNKNOWN;
    });

    private static Instant day(int n) {
        return T.plus(Duration.ofDays(n));
    }

    @Test
    void atlassianDiesAfter90DaysUnusedEachRefreshResetsThatAndTheGrantEndsAfter365() {
        assertThat(JIRA.atSignIn(null, T)).isEqualTo(day(90));
        assertThat(JIRA.afterRefresh(null, true, T, T, day(90), day(80))).isEqualTo(day(170));
        assertThat(JIRA.afterRefresh(null, true, T, day(300), day(365), day(340))).as("the grant's end caps it").isEqualTo(day(365));
        assertThat(JIRA.ifRefreshedNow(T, day(300), day(365), day(360))).as("no refresh goes past the grant's end").isEqualTo(day(365));
    }

    @Test
    void googleInProductionDiesAfterSixMonthsUnusedAndARefreshWithoutANewTokenStillCountsAsUse() {
        assertThat(GOOGLE.atSignIn(null, T)).isEqualTo(day(180));
        assertThat(GOOGLE.afterRefresh(null, false, T, T, day(180), day(100))).isEqualTo(day(280));
    }

    @Test
    void googleInTestingDiesSevenDaysAfterTheSignInWhateverRefreshesHappen() {
        RefreshTokenPolicy testing = GOOGLE.inTesting();
        assertThat(testing.atSignIn(null, T)).isEqualTo(day(7));
        assertThat(testing.afterRefresh(null, false, T, T, day(7), day(3))).as("same refresh token, same end").isEqualTo(day(7));
        assertThat(testing.ifRefreshedNow(T, day(3), day(7), day(5))).isEqualTo(day(7));
    }

    @Test
    void slackPkceTokensLive30DaysAndEachRotationIssuesANewOne() {
        assertThat(SLACK.atSignIn(null, T)).isEqualTo(day(30));
        assertThat(SLACK.afterRefresh(null, true, T, T, day(30), day(25))).isEqualTo(day(55));
    }

    @Test
    void whatTheProviderSaysWinsOverTheKnownLifetimeButNotOverTheOtherLimits() {
        assertThat(SLACK.atSignIn(day(2), T)).isEqualTo(day(2));
        assertThat(JIRA.atSignIn(day(400), T)).as("inactivity still ends it first").isEqualTo(day(90));
        assertThat(RefreshTokenPolicy.UNKNOWN.atSignIn(null, T)).isNull();
        assertThat(RefreshTokenPolicy.UNKNOWN.afterRefresh(null, false, T, T, day(9), day(3))).as("kept as it was").isEqualTo(day(9));
    }

    @Test
    void foresightSaysWhichRefreshKeepsAliveAndWhichNeedsAReconnect() {
        Instant now = day(85);
        Optional<RefreshTokenForesight.Dying> jira = FORESIGHT.assess(credential("jira", T, day(90)), now, Duration.ofDays(7));
        assertThat(jira).hasValueSatisfying(d -> {
            assertThat(d.keepsAlive()).isTrue();
            assertThat(d.advice()).contains("refresh --all --keep-alive");
        });
        Optional<RefreshTokenForesight.Dying> testing = FORESIGHT.assess(credential("google-testing", day(80), day(87)), now, Duration.ofDays(7));
        assertThat(testing).hasValueSatisfying(d -> {
            assertThat(d.keepsAlive()).isFalse();
            assertThat(d.advice()).isEqualTo("reconnect by 2026-03-29T00:00:00Z ('integ connect google-testing --user alice')");
        });
        assertThat(FORESIGHT.assess(credential("jira", T, day(93)), now, Duration.ofDays(7))).as("8 days away").isEmpty();
        assertThat(FORESIGHT.assess(credential("jira", day(-300), day(65)), now, Duration.ofDays(7)))
                .as("ended already: only a reconnect helps").hasValueSatisfying(d -> assertThat(d.keepsAlive()).isFalse());
    }

    private static Credential credential(String provider, Instant updated, Instant refreshEnds) {
        return new Credential(provider, "alice", Credential.ACTIVE, List.of(), updated.plusSeconds(3600), refreshEnds, true, updated,
                updated, Map.of());
    }
}
