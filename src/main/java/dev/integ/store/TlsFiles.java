package dev.integ.store;

import dev.integ.core.IntegException;
import dev.integ.core.SecretFiles;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds a TLS socket factory from the PEM files admins already have for redis-cli (--cacert, --cert, --key). */
final class TlsFiles {
    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private static final int MAX_PEM_BYTES = 1 << 20;

    private TlsFiles() {
    }

    static SSLSocketFactory socketFactory(Optional<Path> caFile, Optional<Path> clientCert, Optional<Path> clientKey) {
        if (clientCert.isPresent() != clientKey.isPresent()) {
            throw IntegException.usage("incomplete TLS client identity",
                    "a client certificate needs its key and the other way round",
                    "set both --redis-client-cert and --redis-client-key (or neither)");
        }
        try {
            TrustManagerFactory trust = null;
            if (caFile.isPresent()) {
                KeyStore anchors = KeyStore.getInstance("PKCS12");
                anchors.load(null, null);
                int i = 0;
                for (Certificate cert : certificates(caFile.get())) {
                    anchors.setCertificateEntry("ca" + i++, cert);
                }
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(anchors);
            }
            KeyManagerFactory keys = null;
            if (clientCert.isPresent()) {
                char[] none = new char[0];
                KeyStore identity = KeyStore.getInstance("PKCS12");
                identity.load(null, null);
                identity.setKeyEntry("client", privateKey(clientKey.get()), none,
                        certificates(clientCert.get()).toArray(new Certificate[0]));
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(identity, none);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException | IOException e) {
            throw IntegException.usage("cannot set up TLS for Redis", e.getClass().getSimpleName() + ": " + e.getMessage(), null);
        }
    }

    private static Collection<? extends Certificate> certificates(Path pem) throws GeneralSecurityException {
        byte[] bytes = read(pem, "certificate");
        Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(bytes));
        if (certs.isEmpty()) {
            throw IntegException.usage("no certificate in " + pem, "expected PEM (-----BEGIN CERTIFICATE-----)", null);
        }
        return certs;
    }

    private static PrivateKey privateKey(Path pem) {
        try {
            SecretFiles.requirePrivate(pem, "TLS private key file");
        } catch (IOException e) {
            throw IntegException.usage("cannot read TLS private key file " + pem, e.getClass().getSimpleName(), null);
        }
        String text = new String(read(pem, "private key"), StandardCharsets.US_ASCII);
        Matcher m = PKCS8.matcher(text);
        if (!m.find()) {
            throw IntegException.usage("unsupported private key in " + pem, "expected an unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----)",
                    "convert it with: openssl pkcs8 -topk8 -nocrypt -in OLD.key -out NEW.key");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1)));
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException tryNext) {
                // the PEM does not say which algorithm it holds
            }
        }
        throw IntegException.usage("unsupported private key in " + pem, "not an RSA, EC or Ed25519 key", null);
    }

    /** At most 1 MiB: a PEM chain of a dozen certificates is a few KiB; /dev/zero is refused, not read to the end. */
    private static byte[] read(Path file, String what) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_PEM_BYTES + 1);
            if (bytes.length > MAX_PEM_BYTES) {
                throw IntegException.usage("the TLS " + what + " file " + file + " is larger than 1 MiB", null, "is it the right file?");
            }
            return bytes;
        } catch (IOException e) {
            throw IntegException.usage("cannot read TLS " + what + " file " + file, e.getClass().getSimpleName(), null);
        }
    }
}
