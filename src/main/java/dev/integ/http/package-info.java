/**
 * The one way integ talks to a provider over HTTP: {@link dev.integ.http.OutboundHttp#send}.
 *
 * <p>Every call goes through the same policy, so that no provider client grows its own retry loop:
 * <ol>
 *   <li>Before each attempt a permit is taken from integ's own rate limiter
 *       ({@link dev.integ.ratelimit.PermitSource}); a short denial is waited out, a long one fails with
 *       exit code 4 and the time to wait.</li>
 *   <li>Each attempt has a connect timeout and a request timeout, and the whole call a time budget, so a
 *       hung provider never hangs integ.</li>
 *   <li>The answer is classified once, in {@link dev.integ.http.RetryRules}: rate limited (by the
 *       provider's own signals, {@link dev.integ.http.ProviderSignals}), re-authorization needed, denied,
 *       a server error, or fine.</li>
 *   <li>Only what is safe is retried. A request the provider may already have applied (a POST that timed
 *       out or got a 500) is never sent twice: the caller learns that the outcome is unknown.</li>
 *   <li>Waits use exponential backoff with full jitter, and never less than the provider asked for
 *       (Retry-After, X-RateLimit-Reset).</li>
 * </ol>
 *
 * <p>Error messages name the provider, the operation and the HTTP status. They never contain request
 * headers, request bodies or URLs, and response bodies are cut short and scrubbed of anything that
 * looks like a token ({@link dev.integ.http.ResponseScrubber}).
 */
package dev.integ.http;
