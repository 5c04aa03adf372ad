package dev.integ.oauth;

/** What a token endpoint answered: tokens, or a refusal with the provider's error code. */
public sealed interface TokenOutcome permits IssuedTokens, TokenRefusal {
}
