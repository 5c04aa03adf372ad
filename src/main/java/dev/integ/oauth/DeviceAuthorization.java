package dev.integ.oauth;

import java.net.URI;
import java.time.Duration;

/**
 * A device authorization response (RFC 8628 §3.2): what the admin is shown (the verification URI
 * and the user code) and the device code integ polls with, which is a secret until it is redeemed.
 *
 * @param verificationUriComplete the URI with the user code in it, or null when the provider gives none
 * @param expiresIn               how long the codes are valid
 * @param interval                how long to wait between polls (RFC 8628: 5 s when not given)
 */
public record DeviceAuthorization(String deviceCode, String userCode, URI verificationUri, URI verificationUriComplete,
                                  Duration expiresIn, Duration interval) {
    /** RFC 8628 §3.2: the poll interval when the response names none. */
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

    @Override
    public String toString() {
        // the device code redeems for tokens: keep it out of logs and assertion messages
        return "DeviceAuthorization[deviceCode=<redacted>, userCode=" + userCode + ", verificationUri=" + verificationUri
                + ", expiresIn=" + expiresIn + ", interval=" + interval + "]";
    }
}
